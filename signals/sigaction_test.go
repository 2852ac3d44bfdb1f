package signals_test

import (
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"gopreempt/kernel"
	"gopreempt/linux"
	"gopreempt/signals"
)

// The flags of sigaction, checked with a handler of the C kind
// (signals.RawHandler) installed for SIGUSR2 in place of the runtime's,
// which is put back afterwards.

const (
	saSiginfo   = 0x4
	saRestorer  = 0x04000000
	saOnstack   = 0x08000000
	saRestart   = 0x10000000
	saNodefer   = 0x40000000
	saResethand = 0x80000000

	siTkill = -6
)

func bit(s syscall.Signal) uint64 { return 1 << (s - 1) }

type sigaction struct{ handler, flags, restorer, mask uint64 }

func rtSigaction(t *testing.T, sig syscall.Signal, act, old *sigaction) {
	t.Helper()
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(act)),
		uintptr(unsafe.Pointer(old)), 8, 0, 0); e != 0 {
		t.Fatalf("rt_sigaction(%d): %v", sig, e)
	}
}

// withRawHandler installs RawHandler for SIGUSR2 with flags and mask, runs
// fn, and puts the runtime's action back.
func withRawHandler(t *testing.T, flags, mask uint64, fn func()) {
	var old sigaction
	act := sigaction{uint64(signals.RawHandlerAddr()), flags | saRestorer | saSiginfo, uint64(signals.RawRestorerAddr()), mask}
	rtSigaction(t, syscall.SIGUSR2, &act, &old)
	defer rtSigaction(t, syscall.SIGUSR2, &old, nil)
	fn()
}

// roomBelow grows the goroutine's stack, so that a signal frame built
// below its stack pointer (a handler without SA_ONSTACK runs on the
// interrupted stack, as on Linux) stays inside it: the frame and the red
// zone take about 1.2 KB, which a fresh goroutine stack may not have left,
// and below it lies another goroutine's stack.
//
//go:noinline
func roomBelow(i int) byte {
	var b [16 << 10]byte
	b[i] = 1
	return b[len(b)-1-i]
}

func blockedMask() uint64 {
	var m uint64
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0, 0, uintptr(unsafe.Pointer(&m)), 8, 0, 0)
	return m
}

func selfSIGUSR2() {
	syscall.RawSyscall(syscall.SYS_TGKILL, uintptr(syscall.Getpid()), uintptr(syscall.Gettid()), uintptr(syscall.SIGUSR2))
}

// The handler runs with sa_mask and, unless SA_NODEFER, its own signal
// blocked; the mask is back as it was after rt_sigreturn; si_code says
// tgkill; SA_RESETHAND leaves SIG_DFL behind; SA_ONSTACK runs the handler
// on the thread's alternate stack, and without it the handler runs on the
// interrupted stack.
func TestSigactionFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		flags   uint64
		blocked uint64 // must be blocked in the handler
		free    uint64 // must not be
		onstack bool
	}{
		{"mask", 0, bit(syscall.SIGUSR2) | bit(syscall.SIGWINCH), 0, false},
		{"nodefer", saNodefer, bit(syscall.SIGWINCH), bit(syscall.SIGUSR2), false},
		{"onstack", saOnstack, bit(syscall.SIGUSR2), 0, true},
		{"resethand", saResethand, bit(syscall.SIGUSR2), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The mask and the alternate stack are the thread's.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var ss struct {
				sp    uint64
				flags int32
				_     int32
				size  uint64
			}
			syscall.RawSyscall(syscall.SYS_SIGALTSTACK, 0, uintptr(unsafe.Pointer(&ss)), 0)
			if ss.size == 0 {
				t.Fatal("the runtime's thread has no alternate signal stack")
			}
			before := blockedMask()
			n := atomic.LoadUint64(&signals.RawCount)
			var sp uintptr
			roomBelow(0)
			withRawHandler(t, tc.flags, bit(syscall.SIGWINCH), func() {
				sp = uintptr(unsafe.Pointer(&sp))
				selfSIGUSR2()
				if tc.flags&saResethand != 0 {
					var cur sigaction
					rtSigaction(t, syscall.SIGUSR2, nil, &cur)
					if cur.handler != 0 {
						t.Errorf("SA_RESETHAND: handler %#x after one delivery, want SIG_DFL", cur.handler)
					}
				}
			})
			if got := atomic.LoadUint64(&signals.RawCount) - n; got != 1 {
				t.Fatalf("the handler ran %d times, want 1", got)
			}
			if signals.RawSig != uint64(syscall.SIGUSR2) || int64(signals.RawCode) != siTkill {
				t.Errorf("handler got signal %d code %d, want %d and SI_TKILL", signals.RawSig, int64(signals.RawCode), syscall.SIGUSR2)
			}
			if m := signals.RawMask; m&tc.blocked != tc.blocked || m&tc.free != 0 {
				t.Errorf("blocked in the handler %#x: want %#x blocked and %#x not", m, tc.blocked, tc.free)
			}
			if after := blockedMask(); after != before {
				t.Errorf("blocked mask %#x after rt_sigreturn, was %#x", after, before)
			}
			onAlt := signals.RawSP >= ss.sp && signals.RawSP < ss.sp+ss.size
			if onAlt != tc.onstack {
				t.Errorf("handler RSP %#x, alternate stack [%#x, %#x), stack of the caller near %#x: on it %v, want %v",
					signals.RawSP, ss.sp, ss.sp+ss.size, sp, onAlt, tc.onstack)
			}
		})
	}
}

// A futex wait that a signal interrupts is restarted after a handler with
// SA_RESTART and fails with EINTR after one without. The waiter sleeps in
// FUTEX_WAIT on a word; the test waits until it is asleep, signals it,
// and waits for the handler; with SA_RESTART the waiter must be asleep
// again and only a FUTEX_WAKE ends its call, with 0.
func TestFutexRestart(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags uint64
		want  syscall.Errno
	}{
		{"restart", saRestart, 0},
		{"eintr", 0, syscall.EINTR},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var word uint32
			tidc := make(chan int)
			done := make(chan syscall.Errno)
			n := atomic.LoadUint64(&signals.RawCount)
			// SA_ONSTACK: the waiter is a fresh goroutine, whose
			// small stack may have no room below it for a frame
			// (roomBelow).
			withRawHandler(t, tc.flags|saOnstack, 0, func() {
				go func() {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					tidc <- syscall.Gettid()
					_, _, e := syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&word)),
						0 /* FUTEX_WAIT */, 0, 0, 0, 0)
					done <- e
				}()
				tid := <-tidc
				waiter := kernel.FindTask(int32(tid))
				if waiter == nil {
					t.Fatal("no task for the waiter")
				}
				defer kernel.PutTaskStruct(waiter)
				waitInFutex(t, waiter, &word)
				syscall.RawSyscall(syscall.SYS_TGKILL, uintptr(syscall.Getpid()), uintptr(tid), uintptr(syscall.SIGUSR2))
				deadline := time.Now().Add(30 * time.Second)
				for atomic.LoadUint64(&signals.RawCount) == n {
					if time.Now().After(deadline) {
						t.Fatal("the handler did not run within 30 s")
					}
					time.Sleep(time.Millisecond)
				}
				if tc.flags&saRestart != 0 {
					waitInFutex(t, waiter, &word)
					select {
					case e := <-done:
						t.Fatalf("futex returned %v before the wake-up, want it restarted", e)
					default:
					}
					atomic.StoreUint32(&word, 1)
					syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&word)), 1 /* FUTEX_WAKE */, 1, 0, 0, 0)
				}
				select {
				case e := <-done:
					if e != tc.want {
						t.Fatalf("futex returned %v, want %v", e, tc.want)
					}
				case <-time.After(30 * time.Second):
					t.Fatal("the futex wait did not end")
				}
			})
		})
	}
}

// waitInFutex waits (bounded) until t sleeps in the test's own futex
// wait on word: queued there and asleep. Asleep alone may be the
// runtime's futex, on the way to the test's (a locked thread parked
// while its goroutine is not running): a signal sent then ends that
// sleep, and the test's wait then never sees one.
func waitInFutex(tb testing.TB, t *kernel.Task, word *uint32) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for linux.FutexWaiters(uintptr(unsafe.Pointer(word))) != 1 || atomic.LoadInt32(&t.State) != kernel.TASK_INTERRUPTIBLE {
		if time.Now().After(deadline) {
			tb.Fatal("the waiter did not go to sleep on its futex within 30 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// waitAsleep waits (bounded) until t sleeps interruptibly.
func waitAsleep(tb testing.TB, t *kernel.Task) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for atomic.LoadInt32(&t.State) != kernel.TASK_INTERRUPTIBLE {
		if time.Now().After(deadline) {
			tb.Fatal("the waiter did not go to sleep within 30 s")
		}
		time.Sleep(time.Millisecond)
	}
}
