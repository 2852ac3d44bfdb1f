// Package format is the trace's wire format, shared by the kernel's
// tracer (package trace) and the host tool that reads it (cmd/tracetool):
// the event numbers, the fixed-size record and the stream that the
// kernel writes to its second serial port. It is plain Go with no kernel
// dependency, so the host tool and its tests use the same definitions.
//
// The stream, all integers little-endian:
//
//	header   "GPTRACE1"  magic and version
//	         u32 CPU count, u32 task-name count, u64 TSC rate in Hz
//	names    per task: i32 pid, 16 bytes NUL-padded name
//	per CPU  u32 cpu, u32 0, u64 record count, u64 records lost
//	         (overwritten in the ring before the drain), then the
//	         records, oldest first, RecordSize bytes each
//	trailer  "GPTREND!"
//
// A record is a TSC timestamp, the event type, flags and three argument
// words whose meaning depends on the type (the table at Type).
package format

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Magic opens a trace stream; Trailer ends it.
const (
	Magic   = "GPTRACE1"
	Trailer = "GPTREND!"
)

// RecordSize is the size of one record in bytes.
const RecordSize = 32

// NameSize is the size of a task name in the header (Linux's TASK_COMM_LEN).
const NameSize = 16

// Type is an event type. The arguments of each, in Record's A, B, C:
type Type uint8

const (
	None                    Type = iota // the zero Type: no record has it
	SchedSwitch                         // A prev pid, B prev state (bit 32: preempted, PREEMPT_ACTIVE), C next pid
	SchedWakeup                         // A pid, B target CPU
	SchedMigrate                        // A pid, B from CPU, C to CPU
	NeedResched                         // A pid marked, B reason (Reason*), C the CPU it runs on
	PreemptScheduleEnter                // A pid: preempt_schedule() from preempt_enable()
	PreemptScheduleExit                 // A pid, B 1 if it was switched out in between
	PreemptScheduleIRQEnter             // A pid: preempt_schedule_irq() on interrupt return
	PreemptScheduleIRQExit              // A pid, B 1 if it was switched out in between
	PreemptDisable                      // A pid, B caller's PC: the outermost preempt_disable()
	PreemptEnable                       // A pid, B caller's PC: the matching preempt_enable()
	IRQEnter                            // A vector, B the interrupted RIP
	IRQExit                             // A vector
	FPUBegin                            // A pid: kernel_fpu_begin()
	FPUEnd                              // A pid: kernel_fpu_end()
	IPISend                             // A vector, B target CPU
	IPIRecv                             // A vector
	SignalDeliver                       // A pid, B signal number
	SyscallEnter                        // A pid, B system-call number
	SyscallExit                         // A pid, B system-call number, C return value
	TaskName                            // A pid, B and C the name's 16 bytes: the name prev ran under, before its switch-out
	IRQsOff                             // B caller's PC: local_irq_disable/save turned interrupts off
	IRQsOn                              // B caller's PC: local_irq_enable/restore turned them back on
	NumTypes
)

var typeNames = [NumTypes]string{
	"none", "sched_switch", "sched_wakeup", "sched_migrate_task", "need_resched",
	"preempt_schedule_enter", "preempt_schedule_exit",
	"preempt_schedule_irq_enter", "preempt_schedule_irq_exit",
	"preempt_disable", "preempt_enable", "irq_enter", "irq_exit",
	"kernel_fpu_begin", "kernel_fpu_end", "ipi_send", "ipi_recv",
	"signal_deliver", "sys_enter", "sys_exit", "task_name",
	"irq_disable", "irq_enable",
}

func (t Type) String() string {
	if t < NumTypes {
		return typeNames[t]
	}
	return fmt.Sprintf("type%d", uint8(t))
}

// Why need_resched was set (NeedResched's B).
const (
	ReasonTick    = 1 // the tick: time slice used up, or load balancing
	ReasonWakeup  = 2 // a woken task should run before the current one
	ReasonIPI     = 3 // a reschedule IPI arrived with the flag set (by a remote wake-up)
	ReasonIdle    = 4 // the idle task has work waiting
	ReasonRequest = 5 // set_need_resched() called directly
)

// ReasonString names a need_resched reason.
func ReasonString(r uint64) string {
	switch r {
	case ReasonTick:
		return "tick"
	case ReasonWakeup:
		return "wakeup"
	case ReasonIPI:
		return "ipi"
	case ReasonIdle:
		return "idle"
	case ReasonRequest:
		return "request"
	}
	return "unknown"
}

// Record flags.
const (
	FlagIRQsOff = 1 << 0 // interrupts were off where the event was recorded
)

// StatePreempted is set in SchedSwitch's B when prev was preempted
// (PREEMPT_ACTIVE) rather than blocking or yielding.
const StatePreempted = 1 << 32

// Record is one event, RecordSize bytes in memory and on the wire.
type Record struct {
	TSC   uint64
	Type  Type
	Flags uint8
	CPU   uint16
	A     uint32
	B     uint64
	C     uint64
}

// Put encodes r into b (RecordSize bytes).
func (r *Record) Put(b []byte) {
	binary.LittleEndian.PutUint64(b[0:], r.TSC)
	b[8] = byte(r.Type)
	b[9] = r.Flags
	binary.LittleEndian.PutUint16(b[10:], r.CPU)
	binary.LittleEndian.PutUint32(b[12:], r.A)
	binary.LittleEndian.PutUint64(b[16:], r.B)
	binary.LittleEndian.PutUint64(b[24:], r.C)
}

// Decode is Put's inverse.
func Decode(b []byte) Record {
	return Record{
		TSC:   binary.LittleEndian.Uint64(b[0:]),
		Type:  Type(b[8]),
		Flags: b[9],
		CPU:   binary.LittleEndian.Uint16(b[10:]),
		A:     binary.LittleEndian.Uint32(b[12:]),
		B:     binary.LittleEndian.Uint64(b[16:]),
		C:     binary.LittleEndian.Uint64(b[24:]),
	}
}

// NameOf returns a TaskName record's name.
func (r *Record) NameOf() string {
	var b [NameSize]byte
	binary.LittleEndian.PutUint64(b[0:], r.B)
	binary.LittleEndian.PutUint64(b[8:], r.C)
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	return string(b[:n])
}

// Trace is a decoded stream.
type Trace struct {
	TSCHz uint64
	CPUs  []CPU
	Names map[int32]string
}

// CPU is one CPU's records, oldest first.
type CPU struct {
	ID      int
	Lost    uint64
	Records []Record
}

// Read decodes a stream. Bytes before the magic (a console banner, a
// previous run in an appended file) are skipped; the last complete trace
// in the input is returned.
func Read(r io.Reader) (*Trace, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Parse is Read on a byte slice.
func Parse(data []byte) (*Trace, error) {
	var last *Trace
	var lastErr error = errors.New("trace: no " + Magic + " header in the input")
	for i := 0; i+len(Magic) <= len(data); i++ {
		if string(data[i:i+len(Magic)]) != Magic {
			continue
		}
		t, n, err := parseOne(data[i:])
		if err != nil {
			lastErr = err
			continue
		}
		last, lastErr = t, nil
		i += n - 1
	}
	if last == nil {
		return nil, lastErr
	}
	return last, nil
}

func parseOne(d []byte) (*Trace, int, error) {
	le := binary.LittleEndian
	short := fmt.Errorf("trace: stream ends early (%d bytes)", len(d))
	p := len(Magic)
	if len(d) < p+16 {
		return nil, 0, short
	}
	ncpu, nnames, hz := int(le.Uint32(d[p:])), int(le.Uint32(d[p+4:])), le.Uint64(d[p+8:])
	p += 16
	if ncpu > 1024 || nnames > 1<<20 {
		return nil, 0, fmt.Errorf("trace: implausible header (%d CPUs, %d names)", ncpu, nnames)
	}
	t := &Trace{TSCHz: hz, Names: map[int32]string{}}
	for i := 0; i < nnames; i++ {
		if len(d) < p+4+NameSize {
			return nil, 0, short
		}
		pid := int32(le.Uint32(d[p:]))
		name := d[p+4 : p+4+NameSize]
		n := 0
		for n < len(name) && name[n] != 0 {
			n++
		}
		t.Names[pid] = string(name[:n])
		p += 4 + NameSize
	}
	for i := 0; i < ncpu; i++ {
		if len(d) < p+24 {
			return nil, 0, short
		}
		c := CPU{ID: int(le.Uint32(d[p:])), Lost: le.Uint64(d[p+16:])}
		n := le.Uint64(d[p+8:])
		p += 24
		if uint64(len(d)-p)/RecordSize < n {
			return nil, 0, short
		}
		c.Records = make([]Record, n)
		for j := range c.Records {
			c.Records[j] = Decode(d[p:])
			p += RecordSize
		}
		t.CPUs = append(t.CPUs, c)
	}
	if len(d) < p+len(Trailer) || string(d[p:p+len(Trailer)]) != Trailer {
		return nil, 0, errors.New("trace: no trailer after the records")
	}
	return t, p + len(Trailer), nil
}

// Writer encodes a stream; the kernel's drain and the tests use it.
// It allocates nothing (the kernel drains from system-call and dying
// contexts): every piece goes through buf to put.
type Writer struct {
	Put func(b []byte)
	buf [RecordSize]byte
}

// Header writes the magic and the fixed header.
func (w *Writer) Header(ncpu, nnames int, tscHz uint64) {
	copy(w.buf[:], Magic)
	w.Put(w.buf[:len(Magic)])
	le := binary.LittleEndian
	le.PutUint32(w.buf[0:], uint32(ncpu))
	le.PutUint32(w.buf[4:], uint32(nnames))
	le.PutUint64(w.buf[8:], tscHz)
	w.Put(w.buf[:16])
}

// Name writes one task name (at most NameSize bytes of it).
func (w *Writer) Name(pid int32, name []byte) {
	w.buf = [RecordSize]byte{}
	binary.LittleEndian.PutUint32(w.buf[0:], uint32(pid))
	copy(w.buf[4:4+NameSize], name)
	w.Put(w.buf[:4+NameSize])
}

// CPU writes a CPU section's head; n records must follow.
func (w *Writer) CPU(cpu int, n, lost uint64) {
	le := binary.LittleEndian
	le.PutUint32(w.buf[0:], uint32(cpu))
	le.PutUint32(w.buf[4:], 0)
	le.PutUint64(w.buf[8:], n)
	le.PutUint64(w.buf[16:], lost)
	w.Put(w.buf[:24])
}

// Record writes one record. The kernel's drain copies its ring's slots
// out as they are; tests and tracetool's synthetic traces use this.
func (w *Writer) Record(r *Record) {
	r.Put(w.buf[:])
	w.Put(w.buf[:])
}

// End writes the trailer.
func (w *Writer) End() {
	copy(w.buf[:], Trailer)
	w.Put(w.buf[:len(Trailer)])
}
