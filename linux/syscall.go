// Package linux is the Linux system-call interface that the Go runtime
// (linux/amd64, unmodified) and the os and syscall packages use. The
// runtime enters it with SYSCALL, exactly as on Linux; arch/amd64 saves
// the frame and the kernel calls Dispatch with it, in kernel context on
// the calling task's kernel stack, interrupts on.
//
// One file per family: memory (mmap...), threads (clone, exit...), time
// (clock_gettime, nanosleep), futex, epoll (with eventfd), files (the
// console on fds 0-2), signals, and the rest. Results follow the Linux
// convention: a non-negative value, or -errno. A call this kernel does not
// implement is logged once, by number, and fails with -ENOSYS.
//
// SYSCALL context: no allocation, no heap pointer writes. Memory the
// caller passes is reached directly (there is one address space), after
// uaccess.go's helpers have checked that it is the caller's: a bad
// pointer gives EFAULT, as on Linux. (userBytes and userU64 below do not
// check: they are for memory already checked, and the kernel's own.)
package linux

import (
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/kernel"
)

// Linux errno values used here (asm-generic/errno-base.h, errno.h).
const (
	EPERM     = 1
	ENOENT    = 2
	ESRCH     = 3
	EINTR     = 4
	EBADF     = 9
	EAGAIN    = 11
	ENOMEM    = 12
	EFAULT    = 14
	EEXIST    = 17
	ENODEV    = 19
	EINVAL    = 22
	EMFILE    = 24
	ENOTTY    = 25
	ESPIPE    = 29
	ENOSYS    = 38
	ETIMEDOUT = 110
)

type handler func(f *amd64.TrapFrame) int64

// Dispatch runs the system call in f and stores the result in RAX.
func Dispatch(f *amd64.TrapFrame) {
	nr := f.RAX
	countSyscall(nr) // the per-task count is kernel.DoSyscall64's
	var r int64
	if nr < uint64(len(table)) && table[nr] != nil {
		r = table[nr](f)
	} else {
		r = unknown(nr)
	}
	f.RAX = uint64(r)
}

var reported [512]bool

func unknown(nr uint64) int64 {
	if nr < uint64(len(reported)) && !reported[nr] {
		reported[nr] = true
		kernel.Pr(kernel.KERN_NOTICE).S("linux: unimplemented system call ").U(nr).S(", returning -ENOSYS").Emit()
	}
	return -ENOSYS
}

// userBytes returns the caller's memory [p, p+n) as a slice. No copy:
// the runtime's memory is in the one address space.
func userBytes(p uintptr, n int) []byte {
	if n <= 0 || p == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(addr.Ptr(p)), n)
}

func userU64(p uintptr) *uint64 { return (*uint64)(addr.Ptr(p)) }

func userU32(p uintptr) *uint32 { return (*uint32)(addr.Ptr(p)) }

// timespec is struct timespec (seconds, nanoseconds).
type timespec struct {
	Sec, Nsec int64
}

func userTimespec(p uintptr) *timespec { return (*timespec)(addr.Ptr(p)) }
