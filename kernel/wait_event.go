package kernel

import "runtime"

// wait_event: sleep on a wait queue until a condition holds (Linux's
// wait_event* macros, include/linux/wait.h, and their one loop,
// ___wait_event):
//
//	for {
//	    prepare_to_wait_event(wq, e, state)  // queue, set state; or a signal
//	    if condition: break
//	    if interruptible and a signal is pending: return -ERESTARTSYS
//	    schedule() or schedule_timeout(left)
//	}
//	finish_wait(wq, e)
//
// The variants differ in the state (TASK_UNINTERRUPTIBLE ignores
// signals, TASK_INTERRUPTIBLE ends on one: signal_pending_state), in
// exclusivity, and in a timeout, which goes through the kernel's timer
// (schedule_timeout, timer.go). Linux's return values, in nanoseconds
// where Linux counts jiffies:
//
//	WaitEvent                          -
//	WaitEventInterruptible(Exclusive)  0, or -ERESTARTSYS on a signal
//	WaitEventTimeout                   0 if the time ran out with the condition
//	                                   false, else the time left (at least 1)
//	WaitEventInterruptibleTimeout      the same, or -ERESTARTSYS
//
// A system call that gets -ERESTARTSYS returns it (or -EINTR where Linux
// does): the signal step on its way out restarts it or makes it -EINTR
// (entry.go).
//
// Both contexts may wait. In kernel context (a system call) the entry is
// on the kernel stack, as Linux's DEFINE_WAIT, and the sleep is
// schedule(). In task context (a kthread, a goroutine) the entry is the
// task's own (Task.wait), the goroutine is locked to its task for the
// wait, so that no other goroutine can use the entry meanwhile, and the
// sleep is a system call (sleep.go). That system call is where a signal
// for the task is delivered, so a wait from task context sleeps
// TASK_INTERRUPTIBLE even where Linux's would not: the signal is taken
// when the call returns, and the wait, interruptible or not, goes on.
// cond runs in the waiter's context, after the state is set: it must not
// sleep.

// WaitEvent sleeps uninterruptibly until cond() is true (wait_event).
func (wq *WaitQueueHead) WaitEvent(cond func() bool) {
	wq.waitEvent(cond, TASK_UNINTERRUPTIBLE, false, -1)
}

// WaitEventInterruptible sleeps until cond() is true or a signal is
// pending (wait_event_interruptible): 0, or -ERESTARTSYS.
func (wq *WaitQueueHead) WaitEventInterruptible(cond func() bool) int64 {
	return wq.waitEvent(cond, TASK_INTERRUPTIBLE, false, -1)
}

// WaitEventInterruptibleExclusive is WaitEventInterruptible as an
// exclusive waiter (wait_event_interruptible_exclusive): a wake_up
// wakes one such waiter.
func (wq *WaitQueueHead) WaitEventInterruptibleExclusive(cond func() bool) int64 {
	return wq.waitEvent(cond, TASK_INTERRUPTIBLE, true, -1)
}

// WaitEventTimeout sleeps uninterruptibly until cond() is true or ns
// nanoseconds have passed (wait_event_timeout): 0 if the time ran out
// and cond() is false, else the time left, at least 1. The kernel's one
// timed wait (epoll's) is interruptible; the tests (wait_test.go) use
// this one.
func (wq *WaitQueueHead) WaitEventTimeout(cond func() bool, ns int64) int64 {
	return wq.waitEvent(cond, TASK_UNINTERRUPTIBLE, false, ns)
}

// WaitEventInterruptibleTimeout is WaitEventTimeout that also ends on a
// signal with -ERESTARTSYS (wait_event_interruptible_timeout).
func (wq *WaitQueueHead) WaitEventInterruptibleTimeout(cond func() bool, ns int64) int64 {
	return wq.waitEvent(cond, TASK_INTERRUPTIBLE, false, ns)
}

// waitEvent is ___wait_event. timeout < 0: none.
func (wq *WaitQueueHead) waitEvent(cond func() bool, state int32, exclusive bool, timeout int64) int64 {
	MightSleep()
	kernelCtx := inKernelContext()
	var onStack WaitQueueEntry
	e := &onStack
	if !kernelCtx {
		runtime.LockOSThread()
		e = &Current().wait
	}
	// Whether a signal ends the wait: in kernel context, if it is
	// interruptible; in task context never (see above).
	signals := kernelCtx && state == TASK_INTERRUPTIBLE
	if !kernelCtx {
		state = TASK_INTERRUPTIBLE // see above
	}
	InitWaitEntry(e)
	if exclusive {
		e.flags = WQ_FLAG_EXCLUSIVE
	}
	var deadline uint64
	if timeout >= 0 {
		deadline = Nanotime() + uint64(timeout)
	}
	ret := int64(0)
	for {
		sig := wq.prepareToWaitEvent(e, state, signals)
		if cond() {
			ret = timeLeft(timeout, deadline)
			break
		}
		if sig != 0 {
			ret = sig
			break
		}
		if timeout < 0 {
			Schedule()
			continue
		}
		now := Nanotime()
		if now >= deadline {
			ret = 0
			break
		}
		ScheduleTimeout(int64(deadline - now))
	}
	wq.FinishWait(e)
	if !kernelCtx {
		runtime.UnlockOSThread()
	}
	return ret
}

// timeLeft is what a timed wait whose condition came true returns: the
// time left, at least 1 (Linux's __wait_cond_timeout); 0 without a
// timeout.
func timeLeft(timeout int64, deadline uint64) int64 {
	if timeout < 0 {
		return 0
	}
	if now := Nanotime(); now < deadline {
		return int64(deadline - now)
	}
	return 1
}
