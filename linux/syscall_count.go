package linux

import "sync/atomic"

// System calls counted by number, since boot: how a test sees which
// calls the runtime makes (the vDSO's test counts clock_gettime calls
// while time.Now runs, and expects none). Dispatch counts every call
// before it runs, in SYSCALL context: one atomic add, no allocation.
var syscallCount [len(table)]atomic.Uint64

func countSyscall(nr uint64) {
	if nr < uint64(len(syscallCount)) {
		syscallCount[nr].Add(1)
	}
}

// SyscallCount returns how many times system call nr has been made
// since boot, by every task on every CPU (0 for a number out of range).
// For tests (vdso's).
func SyscallCount(nr int) uint64 {
	if nr < 0 || nr >= len(syscallCount) {
		return 0
	}
	return syscallCount[nr].Load()
}
