// Package irq is interrupt handling: the local APIC and its timer, the
// legacy PIC (masked), the PIT (for calibration), the interrupt flag API
// (local_irq_*), and irq_enter/irq_exit, which mark hardirq context in the
// interrupted task's preempt_count.
//
// Everything reached from Do (the interrupt path) runs in hardirq
// context with interrupts off: no allocation, no heap pointer writes, no
// blocking.
package irq

import (
	"gopreempt/arch/amd64"
	"gopreempt/kernel"
	"gopreempt/trace"
)

// Vectors used by the kernel. 0x20..0x2f would collide with nothing (the
// PIC is remapped there and masked); device IRQs from the I/O APIC start
// at VecIOAPIC.
const (
	VecTimer    = 0x20
	VecIOAPIC   = 0x30
	VecResched  = 0xf0 // reschedule IPI
	VecCallFunc = 0xf1 // function-call IPI
	VecSpurious = 0xff
)

// Handler is a device interrupt handler.
type Handler func()

var handlers [256]Handler

// Counts of interrupts per vector, for /proc/interrupts-style reports.
var Counts [256]uint64

// Register installs h for vector v. Boot-time only (before interrupts).
func Register(v int, h Handler) { handlers[v] = h }

// IrqEnter marks the start of a hardware interrupt handler: it adds
// HARDIRQ_OFFSET to the interrupted task's preempt_count, so that
// in_irq(), in_interrupt() and in_atomic() are true inside the handler and
// neither the handler nor anything it calls can schedule.
func IrqEnter() { kernel.AddPreemptCount(kernel.HARDIRQ_OFFSET) }

// IrqExit ends it. The decision to preempt comes after, on the return
// path (kernel.irqentryExit, kernel/entry.go), once the count is back to what the interrupted
// code had.
func IrqExit() { kernel.SubPreemptCount(kernel.HARDIRQ_OFFSET) }

// Do is the interrupt path for every vector from 32 up (kernel.IRQHook).
func Do(f *amd64.TrapFrame) {
	v := f.Vector
	Counts[v&255]++
	if v == VecSpurious {
		// Spurious interrupts get no EOI (SDM Vol. 3A, 11.9).
		return
	}
	IrqEnter()
	kernel.TickIrqEnter() // a halted idle CPU's tick restarts first
	trace.IRQEnter(v, f.RIP)
	if v >= VecResched {
		trace.IPIRecv(uint32(v))
		if v == VecResched {
			kernel.TraceReschedIPI()
		}
	}
	if h := handlers[v&255]; h != nil {
		h()
	} else {
		kernel.Pr(kernel.KERN_WARNING).S("irq: unexpected interrupt on vector ").U(v).Emit()
	}
	lapicEOI()
	trace.IRQExit(v)
	IrqExit()
}

// Install connects Do to the kernel's interrupt dispatch.
func Install() {
	kernel.IRQHook = Do
	Register(VecTimer, timerInterrupt)
	Register(VecResched, kernel.ReschedIPI) // the work is on the return path
	kernel.SetReschedIPI(SendReschedIPI)
	kernel.SetNMISender(SendNMI)
	installTLBShootdown()
}

// timerInterrupt is the local APIC timer's handler: the clock event,
// which runs the expired high-resolution timers, the tick among them
// (clockevents.go, kernel/hrtimer.go).
func timerInterrupt() { kernel.HRTimerInterrupt() }
