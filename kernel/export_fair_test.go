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

// FairPair returns the run time (sum_exec_runtime) and virtual runtime
// of a and b, both queued on or running on this CPU, at one instant: it
// reads them under the run queue's lock, so that no tick or remote
// enqueue charges the running one between the reads. The running task's
// values are as of its last charge (no update_curr here: a test that
// calls this in a loop must not change how often run time is charged).
// Call it with preemption off: its prologue is then no point where the
// Go runtime can park the caller.
func FairPair(a, b *Task) (sumA, vA, sumB, vB uint64) {
	rq := thisRQ()
	fl := rq.lock.Lock()
	sumA, vA, sumB, vB = a.se.sumExec, a.se.vruntime, b.se.sumExec, b.se.vruntime
	rq.lock.Unlock(fl)
	return
}
