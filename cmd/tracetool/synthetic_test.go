package main

import (
	"bytes"
	"testing"

	"gopreempt/trace/format"
)

// synthetic is a small two-CPU trace with every kind of thing the
// timeline draws: pid 10 is preempted on interrupt return by the tick on
// CPU 0, pid 11 wakes pid 12 onto CPU 1, and pid 12 is preempted at
// preempt_enable() there. The TSC runs at 1 GHz: 1000 ticks = 1 us.
func synthetic(t *testing.T) (*format.Trace, int) {
	t.Helper()
	const hz = 1_000_000_000
	cpu0 := []format.Record{
		{TSC: 1000, Type: format.TaskName, A: 1, B: 0x74696e69}, // "init"
		{TSC: 1000, Type: format.SchedSwitch, A: 1, B: 1, C: 10},
		{TSC: 5000, Type: format.IRQEnter, Flags: format.FlagIRQsOff, A: 0x20, B: 0x4c0000},
		{TSC: 5200, Type: format.NeedResched, Flags: format.FlagIRQsOff, A: 10, B: format.ReasonTick},
		{TSC: 5400, Type: format.IRQExit, Flags: format.FlagIRQsOff, A: 0x20},
		{TSC: 5500, Type: format.PreemptScheduleIRQEnter, Flags: format.FlagIRQsOff, A: 10},
		{TSC: 5600, Type: format.SchedSwitch, Flags: format.FlagIRQsOff, A: 10, B: format.StatePreempted, C: 11},
		{TSC: 7000, Type: format.SchedWakeup, A: 12, B: 1},
		{TSC: 7100, Type: format.IPISend, A: 0xf0, B: 1},
		{TSC: 9000, Type: format.SchedSwitch, A: 11, B: 1, C: 10},
		{TSC: 9100, Type: format.PreemptScheduleIRQExit, A: 10, B: 1},
		{TSC: 12000, Type: format.SyscallEnter, A: 10, B: 39},
	}
	cpu1 := []format.Record{
		{TSC: 2000, Type: format.SchedSwitch, A: 0, B: 0, C: 13},
		{TSC: 3000, Type: format.SchedSwitch, A: 13, B: 1, C: 0},
		{TSC: 7300, Type: format.IRQEnter, Flags: format.FlagIRQsOff, A: 0xf0},
		{TSC: 7350, Type: format.IPIRecv, Flags: format.FlagIRQsOff, A: 0xf0},
		{TSC: 7400, Type: format.IRQExit, Flags: format.FlagIRQsOff, A: 0xf0},
		{TSC: 7500, Type: format.SchedSwitch, A: 0, B: 0, C: 12},
		{TSC: 8000, Type: format.PreemptDisable, A: 12, B: 0x401234},
		{TSC: 8500, Type: format.NeedResched, Flags: format.FlagIRQsOff, A: 12, B: format.ReasonTick, C: 1},
		{TSC: 10000, Type: format.PreemptEnable, A: 12, B: 0x401250},
		{TSC: 10010, Type: format.PreemptScheduleEnter, A: 12},
		{TSC: 10100, Type: format.SchedSwitch, A: 12, B: format.StatePreempted, C: 0},
		{TSC: 11000, Type: format.FPUBegin, A: 0},
		{TSC: 11500, Type: format.IRQsOff, Flags: format.FlagIRQsOff},
		{TSC: 11800, Type: format.IRQsOn, Flags: format.FlagIRQsOff},
	}
	var buf bytes.Buffer
	w := &format.Writer{Put: func(b []byte) { buf.Write(b) }}
	names := map[int32]string{10: "pcpu/0", 11: "waker", 12: "pcpu/1", 13: "short"}
	w.Header(2, len(names), hz)
	for pid, n := range names {
		w.Name(pid, []byte(n))
	}
	switches := 0
	for cpu, recs := range [][]format.Record{cpu0, cpu1} {
		w.CPU(cpu, uint64(len(recs)), 0)
		for i := range recs {
			recs[i].CPU = uint16(cpu)
			if recs[i].Type == format.SchedSwitch {
				switches++
			}
			w.Record(&recs[i])
		}
	}
	w.End()
	tr, err := format.Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return tr, switches
}

func TestTimeline(t *testing.T) {
	tr, switches := synthetic(t)
	tl := buildTimeline(tr)
	if len(tl.slices) != switches || tl.switches != switches {
		t.Fatalf("%d slices and %d switches counted, want %d", len(tl.slices), tl.switches, switches)
	}
	ends := map[int32]string{}
	for _, s := range tl.slices {
		if s.end < s.start {
			t.Errorf("slice ends before it starts: %+v", s)
		}
		if s.end_ != "" {
			ends[s.pid] = s.end_
		}
	}
	if ends[10] != "preempted-irq" || ends[12] != "preempted-enable" || ends[11] != "blocked" {
		t.Errorf("how slices ended: %v", ends)
	}
	for _, s := range tl.slices {
		want := map[int32]uint64{10: 0x4c0000, 12: 0x401250}[s.pid] // the interrupted RIP, preempt_enable's caller
		if s.end_ != "" && s.at != want {
			t.Errorf("pid %d's slice preempted at %#x, want %#x", s.pid, s.at, want)
		}
	}
	var off, irqs, irqsOff int
	for _, s := range tl.sections {
		switch s.kind {
		case "preempt-off":
			off++
			if s.pc != 0x401234 || s.cpu != 1 || s.start != 7 || s.end != 9 {
				t.Errorf("preempt-off section %+v", s)
			}
		case "irq":
			irqs++
		case "irqs-off":
			irqsOff++
			if s.cpu != 1 || s.start != 10.5 || s.end != 10.8 {
				t.Errorf("irqs-off section %+v", s)
			}
		}
	}
	if irqsOff != 1 {
		t.Errorf("%d irqs-off sections, want 1", irqsOff)
	}
	if off != 1 || irqs != 2 {
		t.Errorf("%d preempt-off and %d irq sections, want 1 and 2", off, irqs)
	}
	kinds := map[string]flow{}
	for _, f := range tl.flows {
		kinds[f.kind+string(rune('0'+f.pid-10))] = f
	}
	if f, ok := kinds["wakeup2"]; !ok || f.fromCPU != 0 || f.toCPU != 1 || f.to != 6.5 {
		t.Errorf("wake-up of pid 12 to its switch-in: %+v (all: %+v)", f, tl.flows)
	}
	if f, ok := kinds["need_resched0"]; !ok || f.toCPU != 0 || f.to != 4.6 {
		t.Errorf("need_resched of pid 10 to its switch-out: %+v", f)
	}
	if tl.sliceName(&tl.slices[0]) != "pcpu/0" {
		t.Errorf("first slice named %q", tl.sliceName(&tl.slices[0]))
	}
}
