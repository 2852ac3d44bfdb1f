package kernel

// The fair scheduler's state, for the kernel-mode tests
// (sched_fair_test.go).

// SumExecPtr is where t's run time (sum_exec_runtime, ns) is kept: a test
// that must not call functions while it spins reads it through this.
func SumExecPtr(t *Task) *uint64 { return &t.se.sumExec }
