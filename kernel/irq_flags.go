package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/trace"
)

// The interrupt flag, Linux's local_irq_* API. These act on this CPU only
// (seed text 002: "interrupt disabling is now only per-CPU"). Disabling
// interrupts also keeps the timer from preempting the task, but it is a
// poor way to do it: code that would set need_resched inside such a region
// gets no preemption check at the end (seed text 002). Prefer
// preempt_disable() or a spinlock.
//
// The API is Linux's whole: LocalIrqDisable, LocalIrqEnable and
// IrqsDisabled have no caller in the kernel itself and are there for the
// code the lessons write (docs/preemption.md).
//
// The tracer (package trace) sees each of them turn interrupts off or
// back on: events for the timeline and edges for the irqsoff latency
// tracers. They are recorded without the caller's PC.

// LocalIrqDisable turns interrupts off on this CPU. It keeps no state,
// so unlike LocalIrqSave it cannot pin a goroutine: in task context the
// Go scheduler may still park the thread at a function call.
func LocalIrqDisable() {
	on := amd64.InterruptsEnabled()
	amd64.Cli()
	if on {
		trace.IRQsOff(0)
	}
}

// LocalIrqEnable turns interrupts on on this CPU.
func LocalIrqEnable() {
	if !amd64.InterruptsEnabled() {
		trace.IRQsOn(0)
	}
	amd64.Sti()
}

// LocalIrqSave turns interrupts off and returns the previous state, for
// LocalIrqRestore. Unlike disable/enable it nests. In task context it
// also keeps the Go scheduler from parking the goroutine's thread until
// the restore (amd64.IrqSave), so that interrupts off means, as in Linux,
// that nothing takes this CPU from the caller.
func LocalIrqSave() (flags uint64) {
	flags = amd64.IrqSave()
	if flags&amd64.FlagIF != 0 {
		trace.IRQsOff(0)
	}
	return flags
}

// LocalIrqRestore puts back the state LocalIrqSave returned.
func LocalIrqRestore(flags uint64) {
	if flags&amd64.FlagIF != 0 && !amd64.InterruptsEnabled() {
		trace.IRQsOn(0)
	}
	amd64.IrqRestore(flags)
}

// IrqsDisabled reports whether interrupts are off on this CPU.
func IrqsDisabled() bool { return !amd64.InterruptsEnabled() }
