package fpu_test

import (
	"syscall"
	"unsafe"
)

// blockPreemptSignal blocks SIGURG, the Go runtime's asynchronous
// preemption signal, on the calling thread (a kthread's, locked), for
// the rest of its life. A kthread that must stay runnable on its CPU,
// so that the tick finds another task waiting, uses it: a goroutine the
// runtime preempts parks its locked thread until another thread hands the
// goroutine back, and meanwhile the CPU's run queue is empty.
func blockPreemptSignal() {
	set := uint64(1) << (syscall.SIGURG - 1)
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0 /* SIG_BLOCK */, uintptr(unsafe.Pointer(&set)), 0, 8, 0, 0)
}
