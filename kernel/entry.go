package kernel

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
	"gopreempt/mm"
	"gopreempt/trace"
)

// The entry layer: every way into the kernel and every way back out, in
// one place (Linux's kernel/entry/common.c).
//
// arch/amd64 saves the interrupted state in a TrapFrame and calls
// HandleTrap on the task's kernel stack. HandleTrap does the entry's one
// job (the system call, the exception, the device interrupt) and then
// decides how to go back, which is this file's subject.
//
// Everything here runs at CPL 0, so "returning to user mode" has to be
// defined: the frame returns to task context when the interrupted code
// was goroutine code, on a goroutine stack or the runtime's g0 or signal
// stack, and not the kernel itself (its RSP is on no kernel or IST
// stack). Only then is there work to do on the way out, and it is done in
// a loop that reads like Linux's exit_to_user_mode_loop:
//
//	while work is pending:
//	    need_resched   -> schedule, as a preemption (PREEMPT_ACTIVE)
//	    a signal       -> build its frame, or take its default action
//
// The loop runs again after each piece of work, because each can make
// more: schedule() returns with need_resched set again, a handler's frame
// is built and another signal is still pending (it nests, as on Linux).
//
// The rules are the kernel's, and they come first:
//
//   - need_resched is acted on with exactly the rules the preemption
//     models have: after a system call on every model when preempt_count
//     is zero (CondResched); after a device interrupt only under
//     preempt=full, with interrupts on where the code was interrupted and
//     the count zero (preempt_schedule_irq). An interrupt that hit the
//     kernel itself gets that second rule and nothing else. Goroutine
//     code that is not a kthread's (the Go runtime's threads) is user
//     space: an interrupt's return preempts it under every model
//     (mayPreemptTaskContext).
//   - A signal frame is built only for code that may be interrupted by
//     arbitrary Go code: task context, preempt_count zero (so no
//     preempt_disable(), no spinlock, no pinned goroutine) and interrupts
//     on (so no raw lock). Otherwise the signal stays pending for a later
//     return (counted in Signal.Deferred): a goroutine that
//     preempt_disable() pinned is never sent into the runtime's
//     asynchronous preemption, which could move it.
//
// The stall detector looks at every interrupt return (showInterrupted),
// beside the preemption point rather than in it: it reports, it does not
// decide.
//
// Interrupt context: no allocation, no heap pointer writes; interrupts
// off except around the system call itself and schedule().

// Where a frame came from, for the rules above.
const (
	fromSyscall = iota
	fromIRQ
	fromException
)

// HandleTrap is the dispatcher behind every interrupt and exception
// (amd64.TrapHook, which boot/hooks.go installs). System calls enter
// DoSyscall64 directly (amd64.SyscallEntryHook).
func HandleTrap(f *amd64.TrapFrame) {
	switch {
	case f.Vector < 32:
		handleException(f)
		irqentryExit(f, fromException)
	case f.Vector > amd64.VecSyscall:
		syscallFromKernel(f) // the entry code found kernel code making one; no return
	default:
		handleIRQ(f)
		irqentryExit(f, fromIRQ)
	}
}

// DoSyscall64 is a system call from entry to exit, Linux's do_syscall_64
// with syscall_enter_from_user_mode and syscall_exit_to_user_mode folded
// in. It runs the call with interrupts on and returns with them off. Its
// caller was goroutine code: one from kernel code never gets here (the
// entry code marks its frame, syscall_from_kernel.go).
//
// It is the hottest Go code in the kernel (a raw getpid is this function
// and the entry's assembly), and under TCG what costs there is not the
// instructions but each return and each call across pages, which QEMU
// looks up at run time (helper_lookup_tb_ptr): so the current task is
// read once, here, and handed down, as Linux reads current once into a
// local; the trace points inline to one test of the class (trace/events.go);
// the per-task count is kept here, next to the task, rather than in
// linux.Dispatch, which would have to look the task up again.
func DoSyscall64(f *amd64.TrapFrame) {
	t := Current()
	t.Signal.origAX = int64(f.RAX)
	t.Stats.Syscalls++
	trace.SyscallEnter(t.Pid, f.RAX)
	amd64.Sti()
	SyscallHook(f)
	amd64.Cli()
	trace.SyscallExit(t.Pid, uint64(t.Signal.origAX), int64(f.RAX))
	syscallExitToTaskContext(t, f)
}

// syscallExitToTaskContext is the way back from a system call (Linux's
// syscall_exit_to_user_mode), for t, the current task. A call that a
// signal interrupted returned one of the -ERESTART* values, which user
// code must never see: the signal step turns it into a restart or -EINTR.
func syscallExitToTaskContext(t *Task, f *amd64.TrapFrame) {
	if isRestartErrno(int64(f.RAX)) {
		atomic.OrUint64(&t.ThreadInfo.Flags, TIF_SIGPENDING)
	}
	// The loop only when there is work, as exit_to_user_mode_prepare
	// tests ti_work first: most calls return with neither flag set.
	if atomic.LoadUint64(&t.ThreadInfo.Flags)&(TIF_NEED_RESCHED|TIF_SIGPENDING) != 0 {
		exitToTaskContextLoop(f, fromSyscall)
	}
	t.Signal.origAX = -1
}

// irqentryExit is the way back from an interrupt or exception (Linux's
// irqentry_exit).
func irqentryExit(f *amd64.TrapFrame, from int) {
	if from == fromIRQ {
		showInterrupted(f)
	}
	if from == fromException && onOwnISTStack(f.Vector) {
		return // NMI, #DF, #MC: they may have interrupted anything
	}
	if !returnsToTaskContext(f) {
		if from == fromIRQ && mayPreemptIRQ(f) {
			PreemptScheduleIRQ()
		}
		return
	}
	exitToTaskContextLoop(f, from)
}

// returnsToTaskContext reports whether f goes back to goroutine code: its
// stack is neither this task's kernel stack nor any kernel or IST stack.
func returnsToTaskContext(f *amd64.TrapFrame) bool {
	sp := uintptr(f.RSP)
	return !Current().OnKernelStack(sp) && sp < mm.KStackBase
}

// onOwnISTStack reports whether the vector's handler runs on its own IST
// stack (trapCommon in entry_amd64.s keeps them there): work on the way
// out of such a handler is never done, as Linux's NMI exit does none.
func onOwnISTStack(vector uint64) bool {
	return vector == amd64.VecNMI || vector == amd64.VecDoubleFault || vector == amd64.VecMachineCheck
}

// mayPreemptIRQ is the interrupt-return preemption rule.
func mayPreemptIRQ(f *amd64.TrapFrame) bool {
	return Model == PreemptFull && f.InterruptsWereEnabled() && PreemptCount() == 0 && NeedResched()
}

// mayPreemptTaskContext is the rule on an interrupt's way back to task
// context. A kthread's goroutine code is kernel code and follows the
// model (mayPreemptIRQ). Any other task's is the Go runtime's threads
// and the goroutines they run, which is what user space is to Linux:
// preempted on the way back under every model, as exit_to_user_mode_loop
// schedules on need_resched whatever the kernel's preemption model. The
// runtime relies on it: it waits for another thread in loops that never
// enter the kernel (bgsweep waiting for another sweeper to finish,
// goschedIfBusy, casgstatus before its first osyield), and under
// preempt=none on one CPU such a loop kept the CPU for ever, with the
// thread it waited for queued behind it (the stall detector's "pid 2
// init runnable on cpu0 for 61 s and not run", docs/preemption.md).
func mayPreemptTaskContext(f *amd64.TrapFrame) bool {
	if Current().kind == taskKthread {
		return mayPreemptIRQ(f)
	}
	return f.InterruptsWereEnabled() && PreemptCount() == 0 && NeedResched()
}

// maySignal reports whether a signal frame may be built for f now.
func maySignal(f *amd64.TrapFrame) bool {
	return f.InterruptsWereEnabled() && PreemptCount() == 0
}

// exitToTaskContextLoop is exit_to_user_mode_loop. Interrupts are off on
// entry and on return.
func exitToTaskContextLoop(f *amd64.TrapFrame, from int) {
	t := Current()
	for {
		work := false
		if NeedResched() {
			switch {
			case from == fromSyscall && PreemptCount() == 0:
				amd64.Sti()
				CondResched()
				amd64.Cli()
				work = true
			case from == fromIRQ && mayPreemptTaskContext(f):
				PreemptScheduleIRQ()
				work = true
			}
		}
		if atomic.LoadUint64(&t.ThreadInfo.Flags)&TIF_SIGPENDING != 0 {
			if !maySignal(f) {
				t.Signal.Deferred++
				if from == fromSyscall && isRestartErrno(int64(f.RAX)) {
					f.RAX = negErrno(EINTR) // no restart into a sleep that cannot end
				}
				return
			}
			atomic.AndUint64(&t.ThreadInfo.Flags, ^uint64(TIF_SIGPENDING))
			doSignal(f, from == fromSyscall)
			work = true
		}
		if !work && from == fromSyscall && restoreSavedSigmask() {
			// A call's own mask outlived it (it said EINTR, but
			// no signal was left to take): back to the thread's,
			// which may let a pending signal through.
			work = true
		}
		if !work {
			return
		}
	}
}

// System-call restart codes (Linux's include/linux/errno.h): a sleeping
// call that a signal ended returns one of them, and the signal step
// decides between restarting it and -EINTR.
const (
	EINTR                 = 4
	ERESTARTSYS           = 512 // restart if the handler has SA_RESTART
	ERESTARTNOINTR        = 513 // always restart
	ERESTARTNOHAND        = 514 // restart only if no handler ran
	ERESTART_RESTARTBLOCK = 516 // as ERESTARTNOHAND here (see docs/signals.md)
)

func negErrno(e int64) uint64 { return uint64(-e) }

func isRestartErrno(r int64) bool {
	switch -r {
	case ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK:
		return true
	}
	return false
}

// doSignal takes one pending signal (Linux's arch_do_signal_or_restart):
// an ignored one is dropped, a default action that terminates ends the
// program, and a handler gets a frame. A system call that the signal
// interrupted is restarted or fails with -EINTR first, so that the frame
// saves the registers the handler's return must resume with.
func doSignal(f *amd64.TrapFrame, syscall bool) {
	t := Current()
	for {
		sig, code := dequeueSignal(t)
		if sig == 0 {
			break
		}
		a := GetSigaction(sig)
		if a.Handler == SIG_IGN || a.Handler == SIG_DFL && sigDefaultIgnored(sig) {
			continue
		}
		trace.SignalDeliver(t.Pid, sig)
		if a.Handler == SIG_DFL {
			doGroupExit(f, sig, code) // returns only into the report's goroutine
			return
		}
		if syscall {
			syscallRestart(f, &a)
		}
		if !setupRtFrame(f, sig, code, &a) {
			// Linux's force_sigsegv: a frame that cannot be built
			// kills, and SIGSEGV's own handler is not tried again.
			forceSigsegv(sig)
			continue
		}
		recalcSigpending()
		return
	}
	if syscall {
		syscallRestart(f, nil)
	}
	restoreSavedSigmask() // no handler will restore it
	recalcSigpending()
}

// syscallRestart applies the restart rules to an interrupted system call;
// a is the handler about to run, nil if none.
func syscallRestart(f *amd64.TrapFrame, a *Sigaction) {
	s := &Current().Signal
	if s.origAX < 0 {
		return
	}
	restart := false
	switch -int64(f.RAX) {
	case ERESTARTNOHAND, ERESTART_RESTARTBLOCK:
		restart = a == nil
	case ERESTARTSYS:
		restart = a == nil || a.Flags&SA_RESTART != 0
	case ERESTARTNOINTR:
		restart = true
	default:
		return
	}
	if restart {
		f.RAX = uint64(s.origAX)
		f.RIP -= 2 // back onto the SYSCALL instruction (0F 05)
	} else {
		f.RAX = negErrno(EINTR)
	}
	s.origAX = -1
}
