package kernel

import (
	"gopreempt/percpu"
	"unsafe"
)

// Sleeping with a timeout: schedule_timeout on a high-resolution timer
// (Linux's hrtimer_sleeper and schedule_hrtimeout, kernel/time/hrtimer.c).
// It serves every sleep with a timeout: nanosleep and clock_nanosleep,
// futex and epoll waits, wait_event_timeout, msleep.
//
// The sleeper arms a timer on its CPU whose callback wakes it, calls
// schedule(), and on its way out cancels the timer. The wake-up comes
// from the timer's own interrupt at the deadline, not from the next tick,
// so a 50 µs sleep lasts about 50 µs (hrtimer.go). Whichever comes first,
// the timer or another wake-up, the other one finds the task already
// running and does nothing; hrtimer_cancel returns only once the
// callback cannot be running, so the record (one per task, in the task
// struct) is free for the next sleep as soon as ScheduleTimeout returns.
//
// The callback runs in hardirq context (hrtimer.go's rules).

// Timer is a task's timeout timer (struct hrtimer_sleeper): the hrtimer,
// first so that the callback finds the sleeper from its timer, and the
// task it wakes.
type Timer struct {
	HRTimer
	task    taskRef
	fired   bool // the callback ran: the timeout expired
	offTick bool // and no tick had run before it in that interrupt
}

// hrtimerWakeup is the sleeper's callback (hrtimer_wakeup). Hardirq
// context.
//
//go:nosplit
func hrtimerWakeup(t *HRTimer) HRTimerRestart {
	s := (*Timer)(unsafe.Pointer(t))
	b := percpu.ThisCPUPtr(hrtimerBases)
	s.fired, s.offTick = true, !b.tickRan
	b.stats.SleeperWakeups++
	WakeUpProcess(s.task.ptr())
	return HRTIMER_NORESTART
}

// ScheduleTimeout is schedule_timeout(): it sleeps until woken or until
// ns nanoseconds have passed (ns < 0: no timeout, which is schedule()).
// The caller has set its state to TASK_INTERRUPTIBLE or
// TASK_UNINTERRUPTIBLE. It reports whether the timeout expired. Either
// context: in task context it enters through a system call (sleep.go).
func ScheduleTimeout(ns int64) bool {
	if !inKernelContext() {
		return scheduleFromTask(ns)
	}
	t := Current()
	if ns < 0 {
		schedule()
		return false
	}
	s := &t.timer
	s.task, s.fired, s.offTick = refOf(t), false, false
	s.SetFunction(hrtimerWakeup)
	HRTimerStart(&s.HRTimer, Nanotime()+uint64(ns))
	schedule()
	HRTimerCancel(&s.HRTimer)
	return s.fired
}

// LastTimeout reports how the current task's last timed sleep ended:
// whether its timer fired, and whether it fired in an interrupt in which
// no tick had run before it, that is, without waiting for a tick (tests).
func LastTimeout() (fired, offTick bool) {
	s := &Current().timer
	return s.fired, s.offTick
}
