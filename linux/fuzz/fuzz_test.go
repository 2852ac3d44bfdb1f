package fuzz_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"gopreempt/fs/tmpfs"
	"gopreempt/kernel"
	"gopreempt/mm"
)

var (
	flagN       = flag.Int("fuzz.n", 20000, "system calls to issue, over all goroutines")
	flagSeed    = flag.Uint64("fuzz.seed", 0, "seed (0: from the clock); goroutine i uses seed+i")
	flagWorkers = flag.Int("fuzz.workers", 4, "goroutines issuing calls")
	// The tmpfs frames and inodes are checked like the rest. (They were
	// only reported while a run's paths could name files outside the
	// directory it removed at its end: see fuzzTop.)
	flagTmpfsStrict = flag.Bool("fuzz.tmpfs-strict", true, "fail when tmpfs frames or inodes differ after the run")
)

// Linux numbers (arch/x86/entry/syscalls/syscall_64.tbl) and constants.
const (
	sysRead, sysWrite, sysClose, sysFstat, sysLseek   = 0, 1, 3, 5, 8
	sysMmap, sysMprotect, sysMunmap, sysBrk           = 9, 10, 11, 12
	sysRtSigaction, sysRtSigprocmask, sysIoctl        = 13, 14, 16
	sysPread64, sysPwrite64, sysReadv, sysWritev      = 17, 18, 19, 20
	sysSchedYield, sysMadvise, sysDup, sysDup2        = 24, 28, 32, 33
	sysNanosleep, sysGetpid, sysKill, sysUname        = 35, 39, 62, 63
	sysFcntl, sysFsync, sysFdatasync, sysTruncate     = 72, 74, 75, 76
	sysFtruncate, sysGetcwd, sysFchmod                = 77, 79, 91
	sysGetuid, sysGetppid, sysRtSigpending            = 102, 110, 127
	sysSigaltstack, sysPrctl, sysArchPrctl            = 131, 157, 158
	sysGettid, sysTkill, sysFutex, sysGetaffinity     = 186, 200, 202, 204
	sysSetaffinity                                    = 203
	sysGetdents64, sysClockGettime, sysClockGetres    = 217, 228, 229
	sysClockNanosleep, sysEpollCtl, sysTgkill         = 230, 233, 234
	sysOpenat, sysMkdirat, sysNewfstatat, sysUnlinkat = 257, 258, 262, 263
	sysRenameat, sysLinkat, sysSymlinkat              = 264, 265, 266
	sysReadlinkat, sysFchmodat, sysFaccessat          = 267, 268, 269
	sysEpollPwait, sysEventfd2, sysEpollCreate1       = 281, 290, 291
	sysDup3, sysPipe2, sysPrlimit64, sysGetcpu        = 292, 293, 302, 309
	sysRenameat2, sysGetrandom, sysStatx, sysRseq     = 316, 318, 332, 334
	sysFaccessat2, sysFchmodat2                       = 439, 452

	oNonblock  = 0x800
	atFdcwdU   = ^uintptr(99) // AT_FDCWD, -100
	mapFixed   = 0x10
	mapFixedNR = 0x100000
	archGetFS  = 0x1003
	sigURG     = 23
)

// arg is what kind of value goes in a register.
type arg uint8

const (
	aNone arg = iota
	aInt      // small, -1, huge, random
	aFd       // the fuzzer's descriptors, or impossible ones
	aPtr      // the scratch mapping, or memory that is not the caller's
	aLen      // 0, small, past the scratch mapping, huge, negative
	aPath     // a path under the fuzzer's directory, or a bad pointer
	aTime     // a short timespec of this goroutine's, or a bad pointer
	aMap      // a mapping the fuzzer made, or a bad pointer
)

// call is one entry of the table: a number, what its arguments are, and
// a fix that tames the draw where a free choice would end the test.
type call struct {
	nr   uintptr
	name string
	args [6]arg
	fix  func(w *worker, a *[6]uintptr)
}

// calls are the implemented numbers the fuzzer issues. Left out, and why:
//
//	exit, exit_group          end the thread or the program
//	clone                     random flags and stacks start threads on garbage
//	rt_sigreturn              loads a random frame into the registers
//	set_tid_address           the thread's exit would clear a word the runtime reuses
//	chdir, fchdir, umask      process-wide state other tests rely on
//	setitimer, timer_*        arm timers whose signals would outlive the run and reach
//	                          later tests (TestEFAULT checks their pointers)
//	500, 501 (private)        msleep of a random length sleeps for ever
//
// and the tamed ones say in their fix what they may not do.
var calls = []call{
	{sysRead, "read", [6]arg{aFd, aPtr, aLen}, nil}, // every fd is non-blocking
	{sysWrite, "write", [6]arg{aFd, aPtr, aLen}, nil},
	{sysClose, "close", [6]arg{aFd}, nil}, // only the fuzzer's own (aFd)
	{sysFstat, "fstat", [6]arg{aFd, aPtr}, nil},
	{sysLseek, "lseek", [6]arg{aFd, aInt, aInt}, nil},
	{sysMmap, "mmap", [6]arg{aPtr, aLen, aInt, aInt, aFd, aInt}, fixMmap},
	{sysMprotect, "mprotect", [6]arg{aMap, aNone, aInt}, fixMapLen},
	{sysMunmap, "munmap", [6]arg{aMap}, fixMapLen},
	{sysMadvise, "madvise", [6]arg{aMap, aNone, aInt}, fixMapLen},
	{sysBrk, "brk", [6]arg{aPtr}, nil},
	{sysRtSigaction, "rt_sigaction", [6]arg{aInt, aNone, aPtr, aInt}, fixSigaction},
	{sysRtSigprocmask, "rt_sigprocmask", [6]arg{aInt, aPtr, aPtr, aInt}, fixSigprocmask},
	{sysIoctl, "ioctl", [6]arg{aFd, aInt, aPtr}, nil},
	{sysPread64, "pread64", [6]arg{aFd, aPtr, aLen, aInt}, nil},
	{sysPwrite64, "pwrite64", [6]arg{aFd, aPtr, aLen, aInt}, fixOffset},
	{sysReadv, "readv", [6]arg{aFd, aNone, aInt}, fixIovec},
	{sysWritev, "writev", [6]arg{aFd, aNone, aInt}, fixIovec},
	{sysSchedYield, "sched_yield", [6]arg{}, nil},
	{sysDup, "dup", [6]arg{aFd}, nil},
	{sysDup2, "dup2", [6]arg{aFd, aFd}, nil}, // the new fd is the fuzzer's or impossible
	{sysNanosleep, "nanosleep", [6]arg{aTime, aPtr}, nil},
	{sysGetpid, "getpid", [6]arg{}, nil},
	{sysKill, "kill", [6]arg{aInt, aInt}, fixSignal},
	{sysUname, "uname", [6]arg{aPtr}, nil},
	{sysFcntl, "fcntl", [6]arg{aFd, aInt, aInt}, fixFcntl},
	{sysFsync, "fsync", [6]arg{aFd}, nil},
	{sysFdatasync, "fdatasync", [6]arg{aFd}, nil},
	{sysTruncate, "truncate", [6]arg{aPath, aInt}, fixOffset},
	{sysFtruncate, "ftruncate", [6]arg{aFd, aInt}, fixOffset},
	{sysGetcwd, "getcwd", [6]arg{aPtr, aLen}, nil},
	{sysFchmod, "fchmod", [6]arg{aFd, aInt}, nil},
	{sysGetuid, "getuid", [6]arg{}, nil},
	{sysGetppid, "getppid", [6]arg{}, nil},
	{sysRtSigpending, "rt_sigpending", [6]arg{aPtr, aInt}, nil},
	{sysSigaltstack, "sigaltstack", [6]arg{aNone, aPtr}, fixSigaltstack},
	{sysPrctl, "prctl", [6]arg{aInt, aPtr, aInt, aInt, aInt}, nil},
	{sysArchPrctl, "arch_prctl", [6]arg{aInt, aPtr}, fixArchPrctl},
	{sysGettid, "gettid", [6]arg{}, nil},
	{sysTkill, "tkill", [6]arg{aInt, aInt}, fixSignal},
	{sysFutex, "futex", [6]arg{aPtr, aInt, aInt, aTime, aPtr, aInt}, fixFutex},
	{sysGetaffinity, "sched_getaffinity", [6]arg{aInt, aLen, aPtr}, nil},
	{sysGetdents64, "getdents64", [6]arg{aFd, aPtr, aLen}, nil},
	{sysClockGettime, "clock_gettime", [6]arg{aInt, aPtr}, nil},
	{sysClockGetres, "clock_getres", [6]arg{aInt, aPtr}, nil},
	{sysClockNanosleep, "clock_nanosleep", [6]arg{aInt, aInt, aTime, aPtr}, nil},
	{sysEpollCtl, "epoll_ctl", [6]arg{aFd, aInt, aFd, aPtr}, nil},
	{sysTgkill, "tgkill", [6]arg{aInt, aInt, aInt}, fixTgkill},
	{sysOpenat, "openat", [6]arg{aFd, aPath, aInt, aInt}, fixNonblock(2)},
	{sysMkdirat, "mkdirat", [6]arg{aFd, aPath, aInt}, nil},
	{sysNewfstatat, "newfstatat", [6]arg{aFd, aPath, aPtr, aInt}, nil},
	{sysUnlinkat, "unlinkat", [6]arg{aFd, aPath, aInt}, nil},
	{sysRenameat, "renameat", [6]arg{aFd, aPath, aFd, aPath}, nil},
	{sysLinkat, "linkat", [6]arg{aFd, aPath, aFd, aPath, aInt}, nil},
	{sysSymlinkat, "symlinkat", [6]arg{aPath, aFd, aPath}, nil},
	{sysReadlinkat, "readlinkat", [6]arg{aFd, aPath, aPtr, aLen}, nil},
	{sysFchmodat, "fchmodat", [6]arg{aFd, aPath, aInt}, nil},
	{sysFaccessat, "faccessat", [6]arg{aFd, aPath, aInt}, nil},
	{sysEpollPwait, "epoll_pwait", [6]arg{aFd, aPtr, aInt, aNone, aPtr, aInt}, fixEpollWait},
	{sysEventfd2, "eventfd2", [6]arg{aInt, aInt}, fixNonblock(1)},
	{sysEpollCreate1, "epoll_create1", [6]arg{aInt}, nil},
	{sysDup3, "dup3", [6]arg{aFd, aFd, aInt}, nil},
	{sysPipe2, "pipe2", [6]arg{aNone, aInt}, fixPipe2},
	{sysPrlimit64, "prlimit64", [6]arg{aInt, aInt, aPtr, aPtr}, nil},
	{sysGetcpu, "getcpu", [6]arg{aPtr, aPtr, aPtr}, nil},
	{sysRenameat2, "renameat2", [6]arg{aFd, aPath, aFd, aPath, aInt}, nil},
	{sysGetrandom, "getrandom", [6]arg{aPtr, aLen, aInt}, nil},
	{sysStatx, "statx", [6]arg{aFd, aPath, aInt, aInt, aPtr}, nil},
	{sysRseq, "rseq", [6]arg{aPtr, aLen, aInt, aInt}, nil},
	{sysFaccessat2, "faccessat2", [6]arg{aFd, aPath, aInt, aInt}, nil},
	{sysFchmodat2, "fchmodat2", [6]arg{aFd, aPath, aInt, aInt}, nil},
}

// unknown are numbers the kernel does not implement: Linux calls that
// are harmless if one day they are (poll, socket, sysinfo...), the end
// of the table and past it, and -1. Each must give ENOSYS.
var unknown = []uintptr{7, 41, 99, 300, 335, 511, 512, 4096, 1 << 20, ^uintptr(0)}

// badPointers are addresses that are not the caller's memory, filled in
// by setup: each must give EFAULT where a call dereferences it.
type badPointer struct {
	name string
	p    uintptr
}

var bad []badPointer

func setupBadPointers(protNone uintptr) {
	text := reflect.ValueOf(TestFuzzSyscalls).Pointer()
	bad = []badPointer{
		{"NULL", 0},
		{"low page", 8},
		{"below mmap_min_addr", 0x8000},
		{"kernel text", text},
		{"PROT_NONE", protNone},
		{"unmapped", unmappedAddr},
		{"user top", 0x7fff_ffff_f000 - 4},
		{"non-canonical", 0x8000_0000_0000_0000},
		{"kernel half", 0xffff_8000_0000_1000},
		{"kernel stack", uintptr(mm.KStackBase) + mm.KStackSize + 0x1000},
		{"-1", ^uintptr(0)},
	}
}

// The paths are in fuzzDir, one level below fuzzTop, which is what a run
// removes at its end. A walk takes ".." after a symbolic link from where
// the link led, as Linux's does: with fuzzDir/d a link to fuzzDir,
// fuzzDir/d/../a names "a" in fuzzDir's parent, and the calls can make a
// whole tree there (a rename of fuzzDir itself to that name moves all of
// it). Were fuzzDir the directory removed, those files, still linked,
// would stay after the run and look like inodes the tmpfs lost. Below
// fuzzTop they cannot leave it: no path names fuzzTop or a name in its
// parent, and the one ".." in them follows fuzzDir's "d", so every inode
// a path reaches is under fuzzTop.
const (
	fuzzTop = "/tmp/syscall-fuzz"
	fuzzDir = fuzzTop + "/t"
)

const (
	scratchSize = 64 << 10
	maxTracked  = 48
	maxMaps     = 16

	unmappedAddr = 0x7fff_ff00_0000 // above where mmap places memory (mm's mmapTop)
)

var paths = []string{
	fuzzDir + "/a", fuzzDir + "/b", fuzzDir + "/d", fuzzDir + "/d/c",
	fuzzDir + "/l", fuzzDir + "/d/../a", fuzzDir, fuzzDir + "/a/x", "",
}

// shared is what every goroutine draws on: the scratch mapping (the
// "valid" pointers; its last page is PROT_NONE, so a buffer near its end
// straddles into memory that is not the caller's), and the paths.
var shared struct {
	scratch  uintptr // scratchSize bytes, read-write
	mem      []byte  // the scratch mapping, as a slice
	protNone uintptr
	paths    []uintptr // NUL-terminated copies, outside the scratch
	longPath uintptr   // 5000 bytes without a NUL
}

// worker is one goroutine's state: its generator, the descriptors and
// mappings it made (the only ones it closes or unmaps), and a private
// page for the arguments whose contents must stay tame (timespecs,
// iovecs, pipe2's result), which no other goroutine's call writes.
type worker struct {
	id      int
	rng     *rand.Rand
	fds     []int
	maps    [][2]uintptr
	private uintptr
	mem     []byte // the private page, as a slice
	current atomic.Pointer[string]
	since   atomic.Int64
	// unmapping is the start of the recorded mapping this worker's
	// munmap is on, from before the call until it is accounted for:
	// another worker's mmap may be given that memory meanwhile.
	unmapping atomic.Uintptr
}

// owned is every worker's record of its mappings, for the check that no
// mmap returns memory another worker holds: the kernel placing a mapping
// over a live one, or a record the fuzzer kept of memory no longer its
// own (which is how a worker once changed the runtime's memory: see the
// munmap case of account). The owner changes its maps under the lock;
// the others read them under it.
var owned struct {
	sync.Mutex
	workers []*worker
}

func (w *worker) pick(n int) int { return w.rng.IntN(n) }

func (w *worker) intArg() uintptr {
	switch w.pick(8) {
	case 0:
		return 0
	case 1:
		return 1
	case 2:
		return ^uintptr(0)
	case 3:
		return 1 << 63
	case 4:
		return 0x7fff_ffff
	case 5:
		return uintptr(w.rng.Uint64())
	}
	return uintptr(w.pick(64))
}

func (w *worker) fdArg() uintptr {
	if len(w.fds) > 0 && w.pick(4) != 0 {
		return uintptr(w.fds[w.pick(len(w.fds))])
	}
	switch w.pick(5) {
	case 0:
		return ^uintptr(0)
	case 1:
		return 1 << 31
	case 2:
		return 100000
	case 3:
		return 1 << 40
	}
	return 4000 // past any table a test makes, and past Linux's default limit
}

func (w *worker) ptrArg() uintptr {
	if w.pick(3) == 0 {
		return bad[w.pick(len(bad))].p
	}
	// Only the scratch mapping: it starts at the pointers' lowest and
	// ends in a PROT_NONE page, so no length reaches past it into memory
	// that is the caller's too. (A pointer into the fuzzer's own mmaps
	// with a long length would reach the runtime's mapping next to it,
	// and the kernel, rightly, would write there.)
	switch w.pick(4) {
	case 0:
		return shared.scratch
	case 1:
		return shared.scratch + scratchSize - uintptr(1+w.pick(16)) // straddles PROT_NONE
	}
	return shared.scratch + uintptr(w.pick(scratchSize-4096))&^7
}

func (w *worker) lenArg() uintptr {
	switch w.pick(8) {
	case 0:
		return 0
	case 1:
		return scratchSize * 2
	case 2:
		return 1 << 40
	case 3:
		return ^uintptr(0)
	case 4:
		return 1 << 31
	}
	return uintptr(w.pick(4096))
}

func (w *worker) pathArg() uintptr {
	switch w.pick(8) {
	case 0:
		return bad[w.pick(len(bad))].p
	case 1:
		return shared.longPath
	}
	return shared.paths[w.pick(len(shared.paths))]
}

// timeArg is a timespec of at most a millisecond in the private page, or
// a bad pointer: a random one could sleep for ever.
func (w *worker) timeArg() uintptr {
	if w.pick(4) == 0 {
		return bad[w.pick(len(bad))].p
	}
	ts := (*[2]int64)(unsafe.Pointer(&w.mem[0]))
	ts[0], ts[1] = 0, int64(w.pick(1000000))
	return w.private
}

// mapArg is a mapping of this goroutine's or a bad pointer, but not the
// PROT_NONE page: unmapped, the runtime could map its own memory there,
// and every later "PROT_NONE" pointer would name it.
func (w *worker) mapArg() uintptr {
	if len(w.maps) > 0 && w.pick(3) != 0 {
		return w.maps[w.pick(len(w.maps))][0]
	}
	for {
		if p := bad[w.pick(len(bad))].p; p != shared.protNone {
			return p
		}
	}
}

// mmap never with MAP_FIXED: it would replace the Go heap. Nor at the
// "unmapped" address, which must stay so.
func fixMmap(w *worker, a *[6]uintptr) {
	a[3] &^= mapFixed | mapFixedNR
	if a[0] >= unmappedAddr&^(1<<30-1) {
		a[0] = 0
	}
	if w.pick(2) == 0 {
		a[1] = uintptr(1+w.pick(8)) << 12
	}
}

// mprotect, munmap and madvise only within a mapping of the fuzzer's (or
// at a bad address): a longer range would reach whatever is mapped next
// to it, the Go heap or another goroutine's page.
func fixMapLen(w *worker, a *[6]uintptr) {
	size := uintptr(4096)
	for _, m := range w.maps {
		if m[0] == a[0] {
			size = m[1]
		}
	}
	a[1] = size
	if w.pick(4) == 0 {
		a[1] = min(uintptr(w.pick(3))<<12, size)
	}
}

// rt_sigaction only reads: a new action would take a signal from the runtime.
func fixSigaction(w *worker, a *[6]uintptr) {
	a[1] = 0
	if w.pick(2) == 0 {
		a[3] = 8
	}
}

// rt_sigprocmask never changes the mask (the runtime needs SIGURG): no
// set, or a set that is not the caller's memory.
func fixSigprocmask(w *worker, a *[6]uintptr) {
	if w.pick(2) == 0 {
		a[1] = 0
	} else {
		a[1] = bad[w.pick(len(bad))].p
	}
	if w.pick(2) == 0 {
		a[3] = 8
	}
}

// sigaltstack never installs a stack: the runtime's own is in place.
func fixSigaltstack(w *worker, a *[6]uintptr) {
	if w.pick(2) == 0 {
		a[0] = 0
	} else {
		a[0] = bad[w.pick(len(bad))].p
	}
}

// arch_prctl never ARCH_SET_FS: that moves the runtime's TLS.
func fixArchPrctl(w *worker, a *[6]uintptr) {
	if a[0] == 0x1002 || w.pick(2) == 0 {
		a[0] = archGetFS
	}
}

// kill, tkill, tgkill: only signal 0 (exists?), invalid numbers and
// SIGURG, which the runtime takes; any other default action ends the
// program. The target is this process (1) or a random thread.
var signals = []uintptr{0, 65, 1000, ^uintptr(0), sigURG}

func fixSignal(w *worker, a *[6]uintptr) { // kill(pid, sig), tkill(tid, sig)
	if w.pick(2) == 0 {
		a[0] = 1
	}
	a[1] = signals[w.pick(len(signals))]
}

func fixTgkill(w *worker, a *[6]uintptr) { // tgkill(tgid, tid, sig)
	if w.pick(2) == 0 {
		a[0] = 1
	}
	a[2] = signals[w.pick(len(signals))]
}

// fcntl: no F_SETFL (it could clear O_NONBLOCK and a read would block).
func fixFcntl(w *worker, a *[6]uintptr) {
	cmds := []uintptr{0, 1, 2, 3, 1030, 1234, ^uintptr(0)} // F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_DUPFD_CLOEXEC
	a[1] = cmds[w.pick(len(cmds))]
}

// pwrite64, truncate, ftruncate: offsets and lengths up to 1 MiB, or
// negative: enough to cross pages and to leave holes, not enough for
// the tmpfs's limit to make every later write fail.
func fixOffset(w *worker, a *[6]uintptr) {
	i := 1
	if a[3] != 0 {
		i = 3
	}
	if int64(a[i]) > 0 {
		a[i] %= 1 << 20
	}
}

// readv, writev: the iovec array is in the private page, with bases from
// the pointer draw (random bytes there could name the Go heap).
func fixIovec(w *worker, a *[6]uintptr) {
	n := w.pick(6)
	iov := (*[8][2]uintptr)(unsafe.Pointer(&w.mem[64]))
	for i := 0; i < n; i++ {
		iov[i] = [2]uintptr{w.ptrArg(), w.lenArg()}
	}
	a[1], a[2] = w.private+64, uintptr(n)
	if w.pick(8) == 0 {
		a[1] = bad[w.pick(len(bad))].p
	}
	if w.pick(16) == 0 {
		a[2] = 2000 // > UIO_MAXIOV
	}
}

// futex: a waiting op always has a timeout of at most 1 ms (relative for
// FUTEX_WAIT, an absolute time long past for WAIT_BITSET), or a bad one.
func fixFutex(w *worker, a *[6]uintptr) {
	ops := []uintptr{0, 1, 9, 10, 5, 99} // WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, WAKE_OP, bad
	op := ops[w.pick(len(ops))]
	if w.pick(2) == 0 {
		op |= 128 // FUTEX_PRIVATE_FLAG
	}
	if w.pick(4) == 0 {
		op |= 256 // FUTEX_CLOCK_REALTIME
	}
	a[1] = op
	if op&127 == 0 || op&127 == 9 {
		if a[3] == 0 {
			a[3] = w.timeArg()
		}
		if a[3] == 0 {
			a[3] = w.private
		}
	}
	if w.pick(2) == 0 {
		a[5] = ^uintptr(0) // FUTEX_BITSET_MATCH_ANY
	}
}

// epoll_pwait: a timeout of 0 or 1 ms, never -1.
func fixEpollWait(w *worker, a *[6]uintptr) {
	a[2] = uintptr(w.pick(64)) - 2
	a[3] = uintptr(w.pick(2))
}

// openat, eventfd2: O_NONBLOCK (EFD_NONBLOCK) always, so that no read blocks.
func fixNonblock(i int) func(w *worker, a *[6]uintptr) {
	return func(w *worker, a *[6]uintptr) { a[i] |= oNonblock }
}

// pipe2: O_NONBLOCK always; the result in the private page, to track.
func fixPipe2(w *worker, a *[6]uintptr) {
	a[1] |= oNonblock
	a[0] = w.private + 32
	if w.pick(4) == 0 {
		a[0] = bad[w.pick(len(bad))].p
	}
}

// draw fills the arguments of c.
func (w *worker) draw(c *call) [6]uintptr {
	var a [6]uintptr
	for i, k := range c.args {
		switch k {
		case aInt:
			a[i] = w.intArg()
		case aFd:
			a[i] = w.fdArg()
			if i == 0 && c.args[1] == aPath && w.pick(2) == 0 {
				a[i] = atFdcwdU // dirfd
			}
		case aPtr:
			a[i] = w.ptrArg()
		case aLen:
			a[i] = w.lenArg()
		case aPath:
			a[i] = w.pathArg()
		case aTime:
			a[i] = w.timeArg()
		case aMap:
			a[i] = w.mapArg()
		}
	}
	if c.fix != nil {
		c.fix(w, &a)
	}
	return a
}

// account records what a successful call made or took away.
func (w *worker) account(c *call, a [6]uintptr, r uintptr, fail func(string)) {
	owned.Lock()
	defer owned.Unlock()
	switch c.nr {
	case sysOpenat, sysDup, sysEventfd2, sysEpollCreate1:
		w.fds = append(w.fds, int(r))
	case sysFcntl:
		if a[1] == 0 || a[1] == 1030 {
			w.fds = append(w.fds, int(r))
		}
	case sysDup2, sysDup3: // newfd was one of ours already, or it failed
	case sysPipe2:
		if a[0] == w.private+32 {
			fds := (*[2]int32)(unsafe.Pointer(&w.mem[32]))
			w.fds = append(w.fds, int(fds[0]), int(fds[1]))
		}
	case sysClose:
		w.untrack(int(a[0]))
	case sysMmap:
		if size := (a[1] + 4095) &^ 4095; size != 0 {
			w.checkNotOwned(r, size, fail)
			w.maps = append(w.maps, [2]uintptr{r, size})
		}
	case sysMunmap:
		// A part unmapped (fixMapLen's short lengths start at the
		// mapping's start) leaves the rest of the mapping ours, and only
		// the rest is kept: the hole is no longer ours, and no later call
		// may name it. The hole is not unmapped "again" with the whole
		// range either, as it once was: between the kernel's munmap and
		// that second one, another goroutine's mmap (another worker's, or
		// the runtime's own) may have been placed in the hole, and the
		// second munmap took that mapping away from under its owner. A
		// worker that lost its mapping so kept the record, and once the
		// runtime had mapped its memory there (persistentalloc), that
		// worker's mprotect made the runtime's memory read-only: the
		// runtime's SIGSEGV (SEGV_ACCERR) in stkbucket of a soak run.
		for i, m := range w.maps {
			if m[0] == a[0] {
				if n := (a[1] + 4095) &^ 4095; n != 0 && n < m[1] {
					w.maps[i] = [2]uintptr{m[0] + n, m[1] - n}
				} else {
					w.maps = append(w.maps[:i], w.maps[i+1:]...)
				}
				break
			}
		}
	}
	for len(w.fds) > maxTracked {
		syscall.Close(w.fds[0])
		w.fds = w.fds[1:]
	}
	for len(w.maps) > maxMaps { // mm has room for 1024 vmas, the runtime's too
		syscall.Syscall(sysMunmap, w.maps[0][0], w.maps[0][1], 0)
		w.maps = w.maps[1:]
	}
}

// checkNotOwned reports [r, r+size), a new mapping of w's, when another
// worker holds any of it, except a mapping whose munmap is in flight.
// Under owned's lock.
func (w *worker) checkNotOwned(r, size uintptr, fail func(string)) {
	for _, o := range owned.workers {
		if o == w {
			continue
		}
		for _, m := range o.maps {
			if r < m[0]+m[1] && m[0] < r+size && o.unmapping.Load() != m[0] {
				fail(fmt.Sprintf("goroutine %d: mmap returned [%#x, %#x), which overlaps goroutine %d's mapping [%#x, %#x)",
					w.id, r, r+size, o.id, m[0], m[0]+m[1]))
			}
		}
	}
}

func (w *worker) untrack(fd int) {
	for i, f := range w.fds {
		if f == fd {
			w.fds = append(w.fds[:i], w.fds[i+1:]...)
			return
		}
	}
}

// release closes and unmaps what the worker still holds.
func (w *worker) release() {
	owned.Lock()
	defer owned.Unlock()
	for _, fd := range w.fds {
		syscall.Close(fd)
	}
	w.fds = nil
	for _, m := range w.maps {
		syscall.Syscall(sysMunmap, m[0], m[1], 0)
	}
	w.maps = nil
}

// failure describes one call for a report.
func describe(name string, nr uintptr, a [6]uintptr) string {
	return fmt.Sprintf("%s (%d) (%#x, %#x, %#x, %#x, %#x, %#x)", name, nr, a[0], a[1], a[2], a[3], a[4], a[5])
}

// run issues n calls; errors go to fail.
func (w *worker) run(n int, fail func(string)) {
	for i := 0; i < n; i++ {
		var c *call
		if w.pick(10) == 0 {
			c = &call{nr: unknown[w.pick(len(unknown))], name: "unknown"}
		} else {
			c = &calls[w.pick(len(calls))]
		}
		a := w.draw(c)
		d := describe(c.name, c.nr, a)
		w.current.Store(&d)
		w.since.Store(time.Now().UnixNano())
		if c.nr == sysMunmap {
			w.unmapping.Store(a[0])
		}
		r, _, e := syscall.Syscall6(c.nr, a[0], a[1], a[2], a[3], a[4], a[5])
		w.since.Store(0)
		switch {
		case e == 0 && int64(r) < 0:
			fail(fmt.Sprintf("%s returned %#x: neither a value nor -errno", d, r))
		case c.name == "unknown" && e != syscall.ENOSYS:
			fail(fmt.Sprintf("%s returned %#x, %v: want ENOSYS", d, r, e))
		case e == 0:
			w.account(c, a, r, fail)
		}
		w.unmapping.Store(0)
	}
}

// usage is what the invariants compare: descriptors open, tmpfs frames
// and inodes, frames outside the Go heap and the page tables, and tasks.
type usage struct {
	fds                 []int
	tmpfsFrames, inodes uint64
	kernelFrames, tasks uint64
	frames              mm.FrameUsage // the snapshot kernelFrames comes from
}

func measure() usage {
	runtime.GC()
	debug.FreeOSMemory()
	var u usage
	for fd := 0; fd < 4096; fd++ {
		if _, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0); e == 0 {
			u.fds = append(u.fds, fd)
		}
	}
	u.tmpfsFrames, _, u.inodes = tmpfs.Usage()
	// One snapshot, with the frames the runtime's scavenger has just
	// given back and that await their TLB shootdown (Pending) counted
	// apart: read from separate calls, they were neither resident nor
	// free, and looked like 16 frames leaked (mm/frame_usage.go).
	u.frames = mm.Usage()
	f := u.frames
	u.kernelFrames = f.Total - f.Free - f.Resident - f.PageTables - f.Pending - u.tmpfsFrames // tmpfs is checked apart
	kernel.ForEachTask(func(t *kernel.Task) {
		if t.State != kernel.TASK_DEAD {
			u.tasks++
		}
	})
	return u
}

func setup(t *testing.T) {
	if shared.scratch != 0 {
		return
	}
	m, err := syscall.Mmap(-1, 0, scratchSize+4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatalf("mmap scratch: %v", err)
	}
	shared.scratch, shared.mem = uintptr(unsafe.Pointer(&m[0])), m
	shared.protNone = shared.scratch + scratchSize
	if err := syscall.Mprotect(m[scratchSize:], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	setupBadPointers(shared.protNone)
	for _, p := range paths {
		b := append([]byte(p), 0)
		shared.paths = append(shared.paths, uintptr(unsafe.Pointer(&b[0])))
		keep = append(keep, b)
	}
	long := make([]byte, 5000)
	for i := range long {
		long[i] = 'x'
	}
	long[0] = '/'
	keep = append(keep, long)
	shared.longPath = uintptr(unsafe.Pointer(&long[0]))
}

var keep [][]byte // the paths' memory, reachable for as long as the test runs

func newWorker(id int, seed uint64) *worker {
	m, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		panic(err)
	}
	return &worker{id: id, rng: rand.New(rand.NewPCG(seed, uint64(id))), private: uintptr(unsafe.Pointer(&m[0])), mem: m}
}

// fuzz runs n calls over workers goroutines, with a watchdog.
func fuzz(t *testing.T, seed uint64, n, workers int) time.Duration {
	if err := os.MkdirAll(fuzzDir+"/d", 0o755); err != nil {
		t.Fatalf("mkdir: %v", err)
	}
	ws := make([]*worker, workers)
	for i := range ws {
		ws[i] = newWorker(i, seed+uint64(i))
	}
	owned.Lock()
	owned.workers = ws
	owned.Unlock()
	defer func() {
		owned.Lock()
		owned.workers = nil
		owned.Unlock()
	}()
	var mu sync.Mutex
	var failures []string
	fail := func(s string) {
		mu.Lock()
		if len(failures) < 20 {
			failures = append(failures, s)
		}
		mu.Unlock()
	}
	done := make(chan struct{})
	hung := make(chan string, 1)
	go func() { // the watchdog
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Second):
			}
			for _, w := range ws {
				if s := w.since.Load(); s != 0 && time.Since(time.Unix(0, s)) > 20*time.Second {
					msg := fmt.Sprintf("goroutine %d: %s has not returned in 20 s", w.id, *w.current.Load())
					for _, o := range ws { // what the others are in, for a lock one of them holds
						if s := o.since.Load(); s != 0 && o != w {
							msg += fmt.Sprintf("; goroutine %d in %s for %v", o.id, *o.current.Load(),
								time.Since(time.Unix(0, s)).Round(time.Millisecond))
						}
					}
					hung <- msg
					return
				}
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(n/workers, fail)
			w.release()
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case s := <-hung:
		t.Fatalf("seed %d: hang: %s", seed, s)
	}
	close(done)
	elapsed := time.Since(start)
	for _, f := range failures {
		t.Errorf("seed %d: %s", seed, f)
	}
	if err := os.RemoveAll(fuzzTop); err != nil {
		t.Errorf("seed %d: removing %s: %v", seed, fuzzTop, err)
	}
	return elapsed
}

// TestFuzzSyscalls issues -fuzz.n random system calls from
// -fuzz.workers goroutines and then checks the invariants (doc.go).
func TestFuzzSyscalls(t *testing.T) {
	setup(t)
	seed := *flagSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -args -fuzz.seed=%d)", seed, seed)
	// A warm-up run of the same mix first: the caches (kmem_cache pages,
	// runtime threads for blocked calls) fill there, not in the measure.
	fuzz(t, seed^0x5eed, min(*flagN/10, 2000), *flagWorkers)
	// The runtime starts a thread when all of its threads are blocked in
	// system calls at once, which the warm-up may not have reached: its
	// task, kernel stack and the runtime's own memory for the thread
	// then come into the measure. A run in which the runtime started
	// threads is run again (at most twice), with those threads in the
	// before; a leak grows in every run.
	var before, after usage
	var elapsed time.Duration
	for attempt := 1; ; attempt++ {
		before = measure()
		elapsed = fuzz(t, seed, *flagN, *flagWorkers)
		after = measure()
		if after.tasks == before.tasks || attempt == 3 {
			break
		}
		t.Logf("run %d: the runtime started %d threads (tasks %d -> %d); again", attempt,
			after.tasks-before.tasks, before.tasks, after.tasks)
	}
	t.Logf("%d calls in %v: %.0f calls/s", *flagN, elapsed.Round(time.Millisecond), float64(*flagN)/elapsed.Seconds())

	if fmt.Sprint(after.fds) != fmt.Sprint(before.fds) {
		t.Errorf("seed %d: open descriptors %v before, %v after", seed, before.fds, after.fds)
	}
	if after.tmpfsFrames != before.tmpfsFrames || after.inodes != before.inodes {
		report := t.Logf
		if *flagTmpfsStrict {
			report = t.Errorf
		}
		report("seed %d: tmpfs held %d frames and %d inodes before, %d and %d after",
			seed, before.tmpfsFrames, before.inodes, after.tmpfsFrames, after.inodes)
	}
	// Runtime threads started meanwhile each hold a task: its struct, its
	// FPU area and its kernel stack (allocTask); the runtime never ends
	// its threads, so more tasks is growth, not a leak.
	extra := uint64(0)
	if after.tasks > before.tasks {
		extra = (after.tasks - before.tasks) * (mm.KStackSize/mm.PageSize + 2)
	}
	if after.kernelFrames > before.kernelFrames+extra+8 {
		t.Errorf("seed %d: frames outside the Go heap and the page tables: %d before, %d after (tasks %d, %d; before %+v, after %+v)",
			seed, before.kernelFrames, after.kernelFrames, before.tasks, after.tasks, before.frames, after.frames)
	}
	// How many: while every worker sits in a system call, the runtime
	// hands each one's P to a new thread, so the bound is a thread per
	// worker and per P, and sysmon's and the template thread's two.
	if after.tasks > before.tasks+uint64(*flagWorkers+runtime.GOMAXPROCS(0))+2 {
		t.Errorf("seed %d: %d tasks before, %d after", seed, before.tasks, after.tasks)
	}
	t.Logf("kernel frames %d -> %d (kernel stacks %d -> %d, pending a shootdown %d, %d), tasks %d -> %d, fds %d",
		before.kernelFrames, after.kernelFrames, before.frames.KernelStacks, after.frames.KernelStacks,
		before.frames.Pending, after.frames.Pending, before.tasks, after.tasks, len(after.fds))
}
