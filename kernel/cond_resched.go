package kernel

// cond_resched(): an explicit preemption point for long-running kernel
// code. If a reschedule is pending and the task holds nothing (count
// zero), it schedules now, as a preemption (PREEMPT_ACTIVE: the task stays
// runnable). It works under every preemption model, which is why code
// that loops for long should call it: under preempt=none it is the only
// way such code lets other tasks run. It reports whether it scheduled.
func CondResched() bool {
	if !NeedResched() || PreemptCount() != 0 {
		return false
	}
	condReschedNow()
	return true
}

func condReschedNow() {
	t := Current()
	for NeedResched() && t.ThreadInfo.PreemptCount == 0 {
		addPreemptCountRaw(t, PREEMPT_ACTIVE)
		callSchedule()
		subPreemptCountRaw(t, PREEMPT_ACTIVE)
	}
}
