package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/mm"
)

// The dispatcher behind every entry into the kernel (arch/amd64 calls it
// through TrapHook): system calls, CPU exceptions, device interrupts.
//
// Interrupt context: this file must not allocate, write heap pointers or
// grow its stack beyond the kernel stack. It runs with interrupts off,
// except that system calls turn them on (syscall.go).

// SyscallHook handles a system call (the linux package sets it).
var SyscallHook func(f *amd64.TrapFrame)

// IRQHook handles a device or timer interrupt (the irq package sets it):
// irq_enter, the handler, EOI, irq_exit.
var IRQHook func(f *amd64.TrapFrame)

// InvalidOpcodeHook, when set, looks at an invalid-opcode exception (#UD)
// first and returns true if it has dealt with it. The fpu package sets it
// to recognise AVX instructions outside kernel_fpu_begin/end, which raise
// #UD because XCR0 lacks YMM there; everything else remains an oops.
var InvalidOpcodeHook func(f *amd64.TrapFrame) bool

func handleTrap(f *amd64.TrapFrame) {
	switch {
	case f.Vector == amd64.VecSyscall:
		if Current().OnKernelStack(uintptr(f.RSP)) {
			// SYSCALL does not switch stacks and syscallEntry builds
			// the frame at the top of the kernel stack, which the
			// kernel code that made the call is already using: its
			// frames there are gone. Only a kernel bug gets here.
			oops(f, "system call from kernel context (its frame overwrote the top of the kernel stack)")
		}
		amd64.Sti()
		SyscallHook(f)
		amd64.Cli()
		// The return from a system call is a preemption point on every
		// model, as a Linux task's return to user mode is. It is a
		// preemption (PREEMPT_ACTIVE), not a sleep: the caller may be
		// between set_current_state() and its own schedule().
		if NeedResched() && PreemptCount() == 0 {
			amd64.Sti()
			condReschedNow()
			amd64.Cli()
		}
	case f.Vector < 32:
		handleException(f)
	default:
		IRQHook(f)
		irqReturn(f)
	}
}

// irqReturn is the tail of the interrupt return path: the second place
// where a preemptible kernel preempts. Only code that was itself
// preemptible may be preempted: interrupts were on where it was
// interrupted and its preempt_count is zero (irq_exit has already removed
// the handler's HARDIRQ_OFFSET).
func irqReturn(f *amd64.TrapFrame) {
	showInterrupted(f)
	if Model != PreemptFull {
		return
	}
	if f.InterruptsWereEnabled() && PreemptCount() == 0 && NeedResched() {
		PreemptScheduleIRQ()
	}
}

// handleException deals with CPU exceptions: a page fault on memory the
// runtime mapped is served (demand paging); an invalid opcode is offered
// to InvalidOpcodeHook; everything else in kernel code is an oops.
func handleException(f *amd64.TrapFrame) {
	switch f.Vector {
	case amd64.VecPageFault:
		cr2 := uintptr(amd64.ReadCR2())
		r := mm.HandleFault(cr2, f.ErrorCode)
		if r == mm.FaultHandled {
			return
		}
		if r == mm.FaultOOM {
			outOfMemory(f, cr2)
			return
		}
		oops(f, r.String())
	case amd64.VecNMI:
		// During a stall report an NMI is the report's own; one that
		// finds nothing to show is not printed about, since this CPU
		// may be holding the console lock it interrupted.
		if !showInterrupted(f) && !stallReporting() {
			Pr(KERN_WARNING).S("NMI received, ignored").Emit()
		}
	case amd64.VecInvalidOp:
		if InvalidOpcodeHook != nil && InvalidOpcodeHook(f) {
			return
		}
		oops(f, "")
	default:
		oops(f, "")
	}
}

// AddPreemptCount and SubPreemptCount change the current task's count
// by v; irq_enter/irq_exit use them with HARDIRQ_OFFSET.
func AddPreemptCount(v uint32) { addPreemptCountRaw(Current(), v) }

func SubPreemptCount(v uint32) { subPreemptCountRaw(Current(), v) }

// SchedulerTick is the timer interrupt's work (tick.go).
func SchedulerTick() { schedulerTick() }
