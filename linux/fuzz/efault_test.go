package fuzz_test

import (
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// TestEFAULT passes each pointer that is not the caller's memory to
// calls that read or write through it, and wants EFAULT from each (an
// oops would end the test binary instead).
func TestEFAULT(t *testing.T) {
	setup(t)
	var p [2]int32
	if _, _, e := syscall.RawSyscall(syscall.SYS_PIPE2, uintptr(unsafe.Pointer(&p)), syscall.O_NONBLOCK, 0); e != 0 {
		t.Fatalf("pipe2: %v", e)
	}
	defer syscall.Close(int(p[0]))
	defer syscall.Close(int(p[1]))
	rfd, wfd := uintptr(p[0]), uintptr(p[1])
	if _, err := syscall.Write(int(wfd), []byte("x")); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := os.MkdirAll(fuzzDir, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(fuzzTop)
	ts := shared.scratch // a valid timespec {0, 0} for futex's timeout
	clear(shared.mem[:16])
	type check struct {
		name   string
		nullOK bool // NULL means "none" for this argument
		call   func(b uintptr) (uintptr, uintptr, syscall.Errno)
	}
	sys := func(nr uintptr, a ...uintptr) (uintptr, uintptr, syscall.Errno) {
		var x [6]uintptr
		copy(x[:], a)
		return syscall.Syscall6(nr, x[0], x[1], x[2], x[3], x[4], x[5])
	}
	checks := []check{
		{"read", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysRead, rfd, b, 1) }},
		{"write", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysWrite, wfd, b, 1) }},
		{"readv iov", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysReadv, rfd, b, 1) }},
		{"fstat", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysFstat, rfd, b) }},
		{"openat path", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) {
			return sys(sysOpenat, atFdcwdU, b, 0)
		}},
		{"newfstatat buf", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) {
			return sys(sysNewfstatat, atFdcwdU, shared.paths[6], b, 0)
		}},
		{"clock_gettime", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysClockGettime, 1, b) }},
		{"nanosleep", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysNanosleep, b, 0) }},
		{"uname", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysUname, b) }},
		{"getrandom", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysGetrandom, b, 16, 0) }},
		{"getcwd", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysGetcwd, b, 100) }},
		{"pipe2", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysPipe2, b, 0) }},
		{"futex wait", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysFutex, b, 128, 0, ts) }},
		{"futex timeout", true, func(b uintptr) (uintptr, uintptr, syscall.Errno) {
			return sys(sysFutex, shared.scratch+64, 128, 0, b)
		}},
		{"sched_getaffinity", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysGetaffinity, 0, 8, b) }},
		{"sched_setaffinity", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysSetaffinity, 0, 8, b) }},
		{"rt_sigprocmask set", true, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysRtSigprocmask, 0, b, 0, 8) }},
		{"rt_sigaction old", true, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysRtSigaction, 10, 0, b, 8) }},
		{"rt_sigpending", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysRtSigpending, b, 8) }},
		{"sigaltstack old", true, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysSigaltstack, 0, b) }},
		{"prlimit64 old", true, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysPrlimit64, 0, 7, 0, b) }},
		{"getcpu", true, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysGetcpu, b, 0, 0) }},
		{"getitimer", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(36, 2, b) }},
		{"setitimer new", true, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(38, 2, b, 0) }},
		{"timer_create id", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(222, 1, 0, b) }},
		{"timer_settime new", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(223, 0, 0, b, 0) }},
		{"timer_gettime", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(224, 0, b) }},
		{"arch_prctl GET_FS", false, func(b uintptr) (uintptr, uintptr, syscall.Errno) { return sys(sysArchPrctl, archGetFS, b) }},
	}
	for _, c := range checks {
		for _, bp := range bad {
			if bp.p == 0 && c.nullOK {
				continue
			}
			if c.name == "futex wait" && bp.p%4 != 0 {
				continue // misaligned: EINVAL, checked first as on Linux
			}
			if r, _, e := c.call(bp.p); e != syscall.EFAULT {
				t.Errorf("%s with a %s pointer (%#x): %#x, %v; want EFAULT", c.name, bp.name, bp.p, r, e)
			}
		}
	}
}

// The runtime is linked into the kernel image, and passes its data and
// bss (runtime.m0's words) and its read-only data (string constants) to
// system calls: those are the caller's memory.
var inBSS [2]int64

func TestImageDataIsUserMemory(t *testing.T) {
	if _, _, e := syscall.RawSyscall(sysClockGettime, 1, uintptr(unsafe.Pointer(&inBSS)), 0); e != 0 {
		t.Errorf("clock_gettime into .bss: %v", e)
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	const s = "a string constant, in rodata"
	if n, _, e := syscall.RawSyscall(sysWrite, uintptr(p[1]), uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(len(s))); e != 0 || n != uintptr(len(s)) {
		t.Errorf("write from rodata: %d, %v", n, e)
	}
	// Reading into rodata is a write to it: refused.
	if _, _, e := syscall.RawSyscall(sysRead, uintptr(p[0]), uintptr(unsafe.Pointer(unsafe.StringData(s))), 1); e != syscall.EFAULT {
		t.Errorf("read into rodata: %v, want EFAULT", e)
	}
}

// TestHugeLengths: a length that rounds up past 2^64, or whose end wraps,
// is refused by the mapping calls (Linux's answers), instead of becoming
// an empty range that "succeeds".
func TestHugeLengths(t *testing.T) {
	setup(t)
	const anon = syscall.MAP_PRIVATE | syscall.MAP_ANON
	huge := ^uintptr(0) - 100
	for _, c := range []struct {
		name string
		nr   uintptr
		a    [3]uintptr
		want syscall.Errno
	}{
		{"mmap", sysMmap, [3]uintptr{0, huge, syscall.PROT_READ}, syscall.ENOMEM},
		{"munmap", sysMunmap, [3]uintptr{shared.scratch, huge, 0}, syscall.EINVAL},
		{"mprotect", sysMprotect, [3]uintptr{shared.scratch, huge, syscall.PROT_READ}, syscall.ENOMEM},
		{"madvise", sysMadvise, [3]uintptr{shared.scratch, huge, 4 /* MADV_DONTNEED */}, syscall.EINVAL},
	} {
		var r uintptr
		var e syscall.Errno
		if c.nr == sysMmap {
			r, _, e = syscall.Syscall6(c.nr, c.a[0], c.a[1], c.a[2], anon, ^uintptr(0), 0)
		} else {
			r, _, e = syscall.Syscall(c.nr, c.a[0], c.a[1], c.a[2])
		}
		if e != c.want {
			t.Errorf("%s with length %#x: %#x, %v; want %v", c.name, huge, r, e, c.want)
		}
	}
	// The scratch mapping is still there and writable.
	shared.mem[0] = 1
}
