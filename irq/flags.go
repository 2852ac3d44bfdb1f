package irq

import "gopreempt/arch/amd64"

// The interrupt flag, Linux's local_irq_* API. These act on this CPU only
// (seed text 002: "interrupt disabling is now only per-CPU"). Disabling
// interrupts also keeps the timer from preempting the task, but it is a
// poor way to do it: code that would set need_resched inside such a region
// gets no preemption check at the end (seed text 002). Prefer
// preempt_disable() or a spinlock.

// LocalIrqDisable turns interrupts off on this CPU. It keeps no state,
// so unlike LocalIrqSave it cannot pin a goroutine: in task context the
// Go scheduler may still park the thread at a function call.
func LocalIrqDisable() { amd64.Cli() }

// LocalIrqEnable turns interrupts on on this CPU.
func LocalIrqEnable() { amd64.Sti() }

// LocalIrqSave turns interrupts off and returns the previous state, for
// LocalIrqRestore. Unlike disable/enable it nests. In task context it
// also keeps the Go scheduler from parking the goroutine's thread until
// the restore (amd64.IrqSave), so that interrupts off means, as in Linux,
// that nothing takes this CPU from the caller.
func LocalIrqSave() (flags uint64) { return amd64.IrqSave() }

// LocalIrqRestore puts back the state LocalIrqSave returned.
func LocalIrqRestore(flags uint64) { amd64.IrqRestore(flags) }

// IrqsDisabled reports whether interrupts are off on this CPU.
func IrqsDisabled() bool { return !amd64.InterruptsEnabled() }
