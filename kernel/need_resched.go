package kernel

import (
	"sync/atomic"

	"gopreempt/trace"
)

// TIF_NEED_RESCHED: "the scheduler wants this CPU back".
//
// The flag is set where the kernel learns that another task should run:
// by the timer tick when the running task has used up its time slice
// (tick.go), and by a wake-up of a task that should run before the current
// one (wake.go). It is acted on at the next preemption point: the return
// from an interrupt, preempt_enable(), cond_resched(), or any schedule().
// Remote CPUs set it too, so it is changed atomically.

// SetTskNeedResched marks t for rescheduling. The tracer records why:
// in hardirq context it is the tick's doing (the scheduler tick is the
// only interrupt handler that asks for a reschedule itself); a wake-up
// says so through setTskNeedReschedBy (trace.go).
func SetTskNeedResched(t *Task) {
	atomic.OrUint64(&t.ThreadInfo.Flags, TIF_NEED_RESCHED)
	if trace.On(trace.Sched) {
		reason := uint64(reasonRequest)
		if InIRQ() {
			reason = reasonTick
		}
		trace.NeedResched(t.Pid, reason, int(t.ThreadInfo.CPU))
	}
}

// ClearTskNeedResched clears t's reschedule mark (schedule() does it).
func ClearTskNeedResched(t *Task) {
	atomic.AndUint64(&t.ThreadInfo.Flags, ^uint64(TIF_NEED_RESCHED))
}

// TestTskNeedResched reports whether t is marked.
func TestTskNeedResched(t *Task) bool {
	return atomic.LoadUint64(&t.ThreadInfo.Flags)&TIF_NEED_RESCHED != 0
}

// NeedResched reports whether the current task should reschedule.
func NeedResched() bool { return TestTskNeedResched(Current()) }
