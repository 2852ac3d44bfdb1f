package kernel

// The fair scheduler's state, for the kernel-mode tests
// (sched_fair_test.go).

// SumExecPtr is where t's run time (sum_exec_runtime, ns) is kept: a test
// that must not call functions while it spins reads it through this.
func SumExecPtr(t *Task) *uint64 { return &t.se.sumExec }

// ChargeCurrent charges the running task the time since its last charge
// (update_curr), as the tick would: a test with interrupts off decides
// when its run time is charged.
func ChargeCurrent() {
	rq := thisRQ()
	fl := rq.lock.Lock()
	rq.updateCurr()
	rq.lock.Unlock(fl)
}
