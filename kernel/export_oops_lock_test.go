package kernel

// The report lock's state, for the kernel-mode tests (oops_lock_test.go).

// WithDeadReportLockHolder runs fn while the report lock looks held by a
// CPU that never lets go (CPU cpu, which may be one the machine does
// not have), with the wait for it shortened to waitNs; then it puts both
// back. A report in fn must wait, give up and print anyway.
func WithDeadReportLockHolder(cpu int, waitNs uint64, fn func()) {
	saved := oopsLockWait
	oopsLockWait = waitNs
	for !oopsLock.owner.CompareAndSwap(0, uint64(1+cpu)) {
	}
	fn()
	oopsLock.owner.Store(0)
	oopsLockWait = saved
}
