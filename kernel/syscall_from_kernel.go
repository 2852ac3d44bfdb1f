package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/mm"
)

// A system call from kernel context.
//
// Everything here runs in ring 0, and the Go runtime makes its Linux
// system calls with SYSCALL from ring 0 too, so "from user space" cannot
// be told by the privilege level. It is told by the FS base: goroutine
// code (a goroutine, the runtime's g0 or signal stack, a kthread, which
// is a goroutine locked to its task) runs with the runtime's TLS in FS,
// and kernel code (interrupt, exception and NMI handlers, hrtimer
// callbacks, the tick, schedule(), the idle task, a system call's own
// handler) runs with FS at the current task's KernelContext, whose TLS
// slot names the stand-in g (arch/amd64/kernel_g.go). The first may make
// system calls, whatever its preempt_count and interrupt flag (the rules
// of docs/syscall.md, "Who may make a system call"); the second may not:
// a SYSCALL does not switch stacks, the frame would go over the stack the
// caller is using, and the call would run in a context that may not
// sleep or take the locks it takes.
//
// The entry code finds both ways this happens before any Go code runs
// (entry_amd64.s), because the Go code itself could not run:
//
//   - syscallEntry sees a caller whose FS base is already the kernel
//     context (a raw SYSCALL: syscall.RawSyscall, or one of the runtime's
//     raw calls such as write1 or osyield, in kernel code). It builds the
//     frame below the caller's stack pointer when the caller is on the
//     task's kernel stack, so the caller's frames survive for the report,
//     and marks it VecSyscallFromKernel.
//   - Kernel code calling syscall.Syscall enters the runtime's
//     entersyscall first, which stores stackPreempt into the current g's
//     stack guard, here the task's stand-in g, and then faults on the
//     stand-in's missing P. From then on every Go prologue on that g
//     would call morestack, which dies with "morestack on g0" before the
//     fault could be reported. So every entry from kernel context checks
//     the stand-in's guard, puts it back if it changed and marks the frame
//     VecStandInOverwritten.
//
// Either way the report is a BUG that cannot be resumed: the caller went
// where kernel code must not go, and the runtime's state on the stand-in
// (its lock count, its half-entered system call) is not to be trusted.
// The machine ends as panic= says (EndBugUnresumable).
//
// Interrupt context, interrupts off: no allocation.

// syscallFromKernel reports a frame that the entry code marked, and ends
// the machine.
func syscallFromKernel(f *amd64.TrapFrame) {
	bugCounts[BugSyscallFromKernel].Add(1)
	oopsBegin() // held until the end of the machine (oops_lock.go)
	t := Current()
	m := Pr(KERN_EMERG).S("BUG: ").S(bugNames[BugSyscallFromKernel])
	if f.Vector == amd64.VecStandInOverwritten {
		m = m.S(": the Go runtime's entersyscall ran on the kernel's stand-in g (syscall.Syscall in kernel code); found by the ").
			S(amd64.VectorName(f.ErrorCode)).S(" entry")
	} else {
		m = m.S(": SYSCALL nr ").U(f.RAX)
	}
	m.Emit()
	Pr(KERN_EMERG).S("  RIP: ").X16(f.RIP).S(" RSP: ").X16(f.RSP).S(" (").S(stackName(t, uintptr(f.RSP))).
		S(") RFLAGS: ").X16(f.RFLAGS).S(" RBP: ").X16(f.RBP).Emit()
	Pr(KERN_EMERG).S("  task: ").B(t.Name[:nameLen(t)]).S(" pid ").I(int64(t.Pid)).
		S(" cpu ").U(uint64(t.ThreadInfo.CPU)).
		S(" preempt_count=").X(uint64(t.ThreadInfo.PreemptCount)).
		S(" irqs_disabled=").S(boolStr(!f.InterruptsWereEnabled())).Emit()
	Pr(KERN_EMERG).S("  calling context: ").S(kernelContextName(t, f)).Emit()
	frameBacktrace(f)
	PanicEnd(EndBugUnresumable)
}

// stackName says which stack sp is on.
func stackName(t *Task, sp uintptr) string {
	switch {
	case t.OnKernelStack(sp):
		return "this task's kernel stack"
	case sp >= mm.KStackBase:
		return "an IST or another task's kernel stack"
	}
	return "not a kernel stack"
}

// kernelContextName names the kernel code that made the call, as far as
// the task's state tells it.
func kernelContextName(t *Task, f *amd64.TrapFrame) string {
	sp := uintptr(f.RSP)
	switch {
	case !t.OnKernelStack(sp) && sp >= mm.KStackBase:
		return "a handler on an IST stack (NMI, #DF, #MC)"
	case t.ThreadInfo.PreemptCount&HARDIRQ_MASK != 0:
		return "hardirq (an interrupt handler, an hrtimer callback, the tick)"
	case t.kind == taskIdle:
		return "the idle task"
	}
	return "kernel code on the task's kernel stack (schedule(), an exception or system-call handler)"
}
