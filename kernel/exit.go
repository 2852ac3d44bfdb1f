package kernel

// Task exit. A task that exits becomes TASK_DEAD and schedules away for
// the last time; the task that runs next on that CPU frees its memory in
// finishSwitch (a task cannot free the stack it is running on).
//
// Preemption is disabled from the moment the state is TASK_DEAD (Linux's
// do_exit does the same before its last schedule()). A preemption in the
// gap between the store and schedule() would enter schedule() with
// PREEMPT_ACTIVE, which keeps a preempted task on the run queue whatever
// its state says; the dead task would be queued, freed by finishSwitch,
// and later resumed from freed memory. schedule() accepts the one count
// of a dead task (scheduleDebug).

// DoExit ends the current task. It does not return.
func DoExit(code int32) {
	t := Current()
	t.ExitCode = code
	t.exited = true
	PreemptDisable()
	rq := thisRQ()
	fl := rq.lock.Lock()
	t.State = TASK_DEAD
	rq.lock.Unlock(fl)
	schedule()
	// Not reached: a dead task is never queued again.
	ReportBug(BugSchedulingWhileAtomic, "dead task scheduled")
	for {
		schedule()
	}
}

// CheckExitPreemptCount holds the program's exit to the rule a kthread's
// return is held to (kthread.go): the task that calls exit_group, which
// is the one that ran main when main returns, must leave with preemption
// enabled. A preempt_disable() or spin_lock() that main never undid
// would otherwise vanish with the machine, and a test run that leaked
// one would pass. Linux's do_exit() reports the same thing ("exited with
// preempt_count"). The report follows panic=: under panic=exit the run
// ends with the BUG status instead of the program's.
//
// SYSCALL context: no allocation.
func CheckExitPreemptCount(status int) {
	pc := Current().ThreadInfo.PreemptCount
	if pc&PREEMPT_MASK == 0 {
		return
	}
	reportBugWith(BugUnbalancedExit, "",
		Pr(KERN_ERR).S("  exit_group(").I(int64(status)).S(") with preempt_count=").X(uint64(pc)).
			S(": a preempt_disable() or spin_lock() on the way out of main was never undone"))
}
