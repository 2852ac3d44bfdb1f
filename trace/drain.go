package trace

import (
	"unsafe"

	"github.com/usbarmory/tamago/soc/intel/uart"

	"gopreempt/arch/amd64"
	"gopreempt/percpu"
	"gopreempt/trace/format"
)

// The trace's own channel to the host: COM2, a second 16550 at I/O port
// 0x2f8, driven by the TamaGo uart package as the console drives COM1.
// qemurun connects it to a file ($GOPREEMPT_TRACE); without that QEMU
// still emulates the port and the bytes go nowhere. The stream is
// format's (a header with the TSC rate, the CPU count and the task names,
// then each CPU's records), binary, so the console stays readable and the
// drain moves 32 bytes an event.

const com2Base = 0x2f8

var (
	com2      = uart.UART{Index: 2, Base: com2Base}
	com2Ready bool
	drainLock amd64.RawLock
)

func com2Init() {
	amd64.Outb(com2Base+uart.IER, 0) // polled, no interrupts
	amd64.Outb(com2Base+3, 0x80)     // LCR: DLAB on
	amd64.Outb(com2Base+0, 1)        // divisor 1: 115200 baud
	amd64.Outb(com2Base+1, 0)        //
	amd64.Outb(com2Base+3, 0x03)     // 8N1, DLAB off
	amd64.Outb(com2Base+2, 0x07)     // FIFO on, both cleared
	com2.Init()
	com2Ready = true
}

func com2Put(b []byte) {
	for _, c := range b {
		com2.Tx(c)
	}
}

// The drain's state: package-level, so that Drain allocates nothing.
var (
	drainW     = format.Writer{Put: com2Put}
	drainNames int // names in the header
	drainWrote int // names written so far
)

func countName(int32, []byte) { drainNames++ }

func writeName(pid int32, name []byte) {
	if drainWrote < drainNames { // a task born between the walks is left out
		drainW.Name(pid, name)
		drainWrote++
	}
}

// Drain stops tracing and writes the whole trace to COM2, and reports
// the number of records written. Task context, system-call context or a
// dying kernel's last words (PowerOff): it allocates nothing.
func Drain() uint64 {
	Stop()
	fl := drainLock.Lock()
	defer drainLock.Unlock(fl)
	if !com2Ready {
		com2Init()
	}
	n := numCPUs()
	if n > MaxCPUs {
		n = MaxCPUs
	}
	drainNames, drainWrote = 0, 0
	taskNames(countName)
	w := &drainW
	w.Header(n, drainNames, tscHz())
	taskNames(writeName)
	for ; drainWrote < drainNames; drainWrote++ {
		w.Name(0, nil) // a task that died between the walks
	}
	var total uint64
	for cpu := 0; cpu < n; cpu++ {
		r := percpu.PerCPU(rings, cpu)
		first, end := r.span()
		if r.pages[0] == 0 {
			first, end = 0, 0
		}
		w.CPU(cpu, end-first, first)
		for i := first; i < end; i++ {
			com2Put(unsafe.Slice((*byte)(unsafe.Pointer(r.slot(i))), format.RecordSize))
		}
		total += end - first
	}
	w.End()
	return total
}
