package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
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

// CheckSleeperIRQs is the debug check of the rule that amd64.IrqSave
// keeps: in task context a goroutine has interrupts off only while it is
// pinned to its thread. f is the frame of a system call about to sleep
// (FUTEX_WAIT, where the Go runtime parks an idle thread). A caller in
// task context with interrupts off whose m holds no pin (m.locks, the
// count runtime.procPin and preempt_disable() raise) is running on a
// thread that something left with interrupts off, and that state does not
// wear off: every later return to the thread restores the IF it came in
// with. Caught here, at the thread's first idle park, the report comes
// soon after the leak and names the thread, instead of much later from
// whatever code next checks the flag on that thread (a kthread started
// there, in the soak that found the IrqSave order). The thread is then
// given its interrupts back, so that it is reported once.
//
// SYSCALL context: no allocation; the caller's g and m are read through
// PeekWord, as FinishInTask does.
func CheckSleeperIRQs(f *amd64.TrapFrame) {
	if f.InterruptsWereEnabled() {
		return
	}
	checkSleeperIRQsOff(f)
}

func checkSleeperIRQsOff(f *amd64.TrapFrame) {
	g, ok := PeekWord(uintptr(f.FSBase) - 8)
	if !ok || g == 0 {
		return
	}
	m, ok := PeekWord(g + amd64.GM)
	if !ok || m == 0 {
		return
	}
	if _, ok := PeekWord(m + amd64.MLocks); !ok {
		return
	}
	if *(*int32)(addr.Ptr(m + amd64.MLocks)) != 0 {
		return // pinned: an irqs-off section (amd64.IrqSave) or preempt_disable()
	}
	reportCallerBug(BugTaskIRQsOff, f, "its m holds no pin; futex wait")
	f.RFLAGS |= amd64.FlagIF // the thread gets its interrupts back: reported once
}
