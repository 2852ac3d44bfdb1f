package kernel

// cond_resched(): an explicit preemption point for long-running kernel
// code. If a reschedule is pending and the task holds nothing (count
// zero), it schedules now, as a preemption (PREEMPT_ACTIVE: the task stays
// runnable). It works under every preemption model, which is why code
// that loops for long should call it: under preempt=none it is the only
// way such code lets other tasks run. It reports whether it scheduled.
// It is also the preemption point of might_sleep() under
// preempt=voluntary and of the system-call return.
func CondResched() bool {
	t := Current()
	if !NeedResched() || t.ThreadInfo.PreemptCount != 0 {
		return false
	}
	preemptScheduleCommon(t)
	return true
}
