package kernel

import (
	"syscall"

	"gopreempt/arch/amd64"
)

// Wait queues: how a task sleeps until something happens.
//
// The sleeper puts itself on the queue and sets TASK_INTERRUPTIBLE
// (prepare_to_wait), then checks its condition, and only if it is still
// false calls schedule(). The waker makes the condition true first, then
// calls wake_up(), which makes every queued task TASK_RUNNING. Whatever
// the interleaving, a wake-up cannot be lost: if it comes before the
// check, the check sees the condition; if after, the state is already
// TASK_INTERRUPTIBLE and the wake-up makes the task runnable again, so
// its schedule() returns. A preemption between set_current_state and the
// check must not take the task off the run queue: schedule() honours
// PREEMPT_ACTIVE for exactly this (schedule.go).
//
// Sleeping from task context goes through a system call (ScheduleFromTask)
// so that the Go runtime knows the thread is blocked and gives its P to
// another thread (DESIGN: voluntary sleeps must reach the kernel as
// system calls).
type WaitQueue struct {
	lock    amd64.RawLock
	waiters [32]taskRef
}

// PrepareToWait queues the current task (once) and sets its state.
func (wq *WaitQueue) PrepareToWait(state int32) {
	t := Current()
	fl := wq.lock.Lock()
	queued := false
	free := -1
	for i, r := range wq.waiters {
		if r == refOf(t) {
			queued = true
		}
		if r == 0 && free < 0 {
			free = i
		}
	}
	if !queued {
		if free < 0 {
			wq.lock.Unlock(fl)
			Pr(KERN_ERR).S("waitqueue: too many waiters").Emit()
			return
		}
		wq.waiters[free] = refOf(t)
	}
	SetCurrentState(state)
	wq.lock.Unlock(fl)
}

// FinishWait makes the task running and takes it off the queue.
func (wq *WaitQueue) FinishWait() {
	t := Current()
	SetCurrentState(TASK_RUNNING)
	fl := wq.lock.Lock()
	for i, r := range wq.waiters {
		if r == refOf(t) {
			wq.waiters[i] = 0
		}
	}
	wq.lock.Unlock(fl)
}

// WakeUp wakes every task on the queue (Linux's wake_up_all; the tasks
// re-check their conditions). Callable from any context.
func (wq *WaitQueue) WakeUp() int {
	fl := wq.lock.Lock()
	n := 0
	for _, r := range wq.waiters {
		if r != 0 && WakeUpProcess(r.ptr()) {
			n++
		}
	}
	wq.lock.Unlock(fl)
	return n
}

// WaitEvent sleeps until cond() is true (wait_event_interruptible without
// signals). Task context only; it may sleep.
func (wq *WaitQueue) WaitEvent(cond func() bool) {
	MightSleep()
	for {
		wq.PrepareToWait(TASK_INTERRUPTIBLE)
		if cond() {
			break
		}
		ScheduleFromTask()
	}
	wq.FinishWait()
}

// System calls private to this kernel (see linux/table.go).
const (
	sysSchedule = 500
	sysMsleep   = 501
)

// ScheduleFromTask is schedule() for task context: through a system call,
// so that the Go runtime hands the thread's P on while the task sleeps.
func ScheduleFromTask() {
	syscall.Syscall(sysSchedule, 0, 0, 0)
}

// Msleep sleeps for at least ms milliseconds. It may sleep, so calling
// it in atomic context is reported (might_sleep).
func Msleep(ms int) {
	MightSleep()
	syscall.Syscall(sysMsleep, uintptr(ms), 0, 0)
}

// ScheduleDirect calls schedule() on the kernel stack without telling the
// Go runtime (no system call). It exists for the debugging demos and
// tests that need to call schedule() in a context where a system call
// would change what is being shown (for example with interrupts off).
func ScheduleDirect() { callSchedule() }
