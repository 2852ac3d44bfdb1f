package kernel_test

// futex(2) as Linux defines it (kernel/futex/waitwake.c), each operation
// through the raw system call on words of a Go slice: the value check,
// wake counts, bitsets, both kinds of timeout, the errors.

import (
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"gopreempt/kernel"
	"gopreempt/linux"
)

// waitFor polls cond (from the test, not the kernel) until it holds, and
// fails the test after a generous bound.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func waiters(w *uint32) int { return linux.FutexWaiters(uintptr(unsafe.Pointer(w))) }

// futexSleepers starts n locked goroutines in FUTEX_WAIT_BITSET on w
// (value 0) with bitset bits[i], and waits until all are queued. The
// returned channel yields each one's result.
func futexSleepers(t *testing.T, w *uint32, bits []uint32) chan syscall.Errno {
	res := make(chan syscall.Errno, len(bits))
	before := waiters(w)
	for _, b := range bits {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			_, e := futexOp(w, futexWaitBitset|futexPrivate, 0, nil, b)
			res <- e
		}()
	}
	waitFor(t, "every sleeper is queued on the futex", func() bool { return waiters(w)-before == len(bits) })
	return res
}

func TestFutexWaitValueMismatch(t *testing.T) {
	w := make([]uint32, 1)
	w[0] = 7
	if _, e := futexOp(&w[0], futexWait, 6, nil, 0); e != syscall.EAGAIN {
		t.Fatalf("FUTEX_WAIT on a word that changed: %v, want EAGAIN", e)
	}
	if _, e := futexOp(&w[0], futexWaitBitset|futexPrivate, 6, nil, 1); e != syscall.EAGAIN {
		t.Fatalf("FUTEX_WAIT_BITSET on a word that changed: %v, want EAGAIN", e)
	}
}

func TestFutexErrors(t *testing.T) {
	w := make([]uint32, 2)
	cases := []struct {
		name string
		addr *uint32
		op   uint32
		val3 uint32
		want syscall.Errno
	}{
		{"WAIT_BITSET with bitset 0", &w[0], futexWaitBitset, 0, syscall.EINVAL},
		{"WAKE_BITSET with bitset 0", &w[0], futexWakeBitset, 0, syscall.EINVAL},
		{"misaligned WAIT", (*uint32)(unsafe.Add(unsafe.Pointer(&w[0]), 1)), futexWait, 0, syscall.EINVAL},
		{"misaligned WAKE", (*uint32)(unsafe.Add(unsafe.Pointer(&w[0]), 2)), futexWake, 0, syscall.EINVAL},
		{"unknown op", &w[0], 99, 0, syscall.ENOSYS},
		{"FUTEX_REQUEUE (not implemented)", &w[0], 3, 0, syscall.ENOSYS},
		{"WAKE with CLOCK_REALTIME", &w[0], futexWake | futexClockRealtm, 0, syscall.ENOSYS},
	}
	for _, c := range cases {
		if _, e := futexOp(c.addr, c.op, 0, nil, c.val3); e != c.want {
			t.Errorf("%s: %v, want %v", c.name, e, c.want)
		}
	}
	bad := syscall.Timespec{Sec: 0, Nsec: 1e9}
	if _, e := futexOp(&w[0], futexWait, 0, &bad, 0); e != syscall.EINVAL {
		t.Errorf("FUTEX_WAIT with tv_nsec = 1e9: %v, want EINVAL", e)
	}
}

// withoutPreemptSignal runs f on a locked thread with the runtime's
// SIGURG blocked. A timed futex wait that a handled signal interrupts
// returns EINTR, as on Linux (its -ERESTART_RESTARTBLOCK is not
// restarted once a handler ran), and the runtime sends SIGURG to preempt
// whatever goroutine a thread runs: a test that wants ETIMEDOUT blocks it
// (seen once in a soak: "a deadline 30 ms ahead: interrupted system call").
func withoutPreemptSignal(f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer blockPreemptSignal()()
	f()
}

// A relative FUTEX_WAIT timeout ends the wait after at least its length.
func TestFutexWaitTimeout(t *testing.T) {
	withoutPreemptSignal(func() { futexWaitTimeout(t) })
}

func futexWaitTimeout(t *testing.T) {
	w := make([]uint32, 1)
	ts := syscall.Timespec{Nsec: 20e6}
	start := time.Now()
	if _, e := futexOp(&w[0], futexWait|futexPrivate, 0, &ts, 0); e != syscall.ETIMEDOUT {
		t.Fatalf("FUTEX_WAIT with a 20 ms timeout: %v, want ETIMEDOUT", e)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("FUTEX_WAIT timed out after %v, before its 20 ms", d)
	}
	if n := waiters(&w[0]); n != 0 {
		t.Fatalf("%d waiters left queued after the timeout", n)
	}
}

// FUTEX_WAIT_BITSET's timeout is absolute, on CLOCK_MONOTONIC or, with
// FUTEX_CLOCK_REALTIME, on CLOCK_REALTIME.
func TestFutexWaitBitsetAbsoluteTimeout(t *testing.T) {
	withoutPreemptSignal(func() { futexWaitBitsetAbsoluteTimeout(t) })
}

func futexWaitBitsetAbsoluteTimeout(t *testing.T) {
	w := make([]uint32, 1)
	for _, c := range []struct {
		name  string
		clock int32
		op    uint32
	}{
		{"CLOCK_MONOTONIC", 1, futexWaitBitset | futexPrivate},
		{"CLOCK_REALTIME", 0, futexWaitBitset | futexPrivate | futexClockRealtm},
	} {
		start := time.Now() // before the clock is read: the deadline is no later
		var now syscall.Timespec
		if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, uintptr(c.clock), uintptr(unsafe.Pointer(&now)), 0); e != 0 {
			t.Fatal(e)
		}
		past := syscall.NsecToTimespec(now.Nano() - 1e6)
		if _, e := futexOp(&w[0], c.op, 0, &past, ^uint32(0)); e != syscall.ETIMEDOUT {
			t.Errorf("%s: a deadline in the past: %v, want ETIMEDOUT", c.name, e)
		}
		deadline := syscall.NsecToTimespec(now.Nano() + 30e6)
		if _, e := futexOp(&w[0], c.op, 0, &deadline, ^uint32(0)); e != syscall.ETIMEDOUT {
			t.Errorf("%s: a deadline 30 ms ahead: %v, want ETIMEDOUT", c.name, e)
		}
		if d := time.Since(start); d < 30*time.Millisecond {
			t.Errorf("%s: the wait ended after %v, before its deadline 30 ms ahead", c.name, d)
		}
	}
}

// FUTEX_WAKE wakes at most n waiters and says how many; n = 0 still wakes
// one, as Linux's futex_wake does.
func TestFutexWakeCount(t *testing.T) {
	w := make([]uint32, 1)
	all := ^uint32(0)
	res := futexSleepers(t, &w[0], []uint32{all, all, all, all, all, all})
	wake := func(n uint32) int {
		r, e := futexOp(&w[0], futexWake|futexPrivate, n, nil, 0)
		if e != 0 {
			t.Fatalf("FUTEX_WAKE: %v", e)
		}
		return int(r)
	}
	if got := wake(2); got != 2 {
		t.Fatalf("FUTEX_WAKE(2) with 6 waiters woke %d", got)
	}
	if got := wake(0); got != 1 {
		t.Fatalf("FUTEX_WAKE(0) with 4 waiters woke %d, want 1 (Linux wakes one)", got)
	}
	if got := waiters(&w[0]); got != 3 {
		t.Fatalf("%d waiters left, want 3", got)
	}
	if got := wake(100); got != 3 {
		t.Fatalf("FUTEX_WAKE(100) with 3 waiters woke %d", got)
	}
	if got := wake(1); got != 0 {
		t.Fatalf("FUTEX_WAKE with no waiter woke %d", got)
	}
	for i := 0; i < 6; i++ {
		if e := <-res; e != 0 {
			t.Fatalf("a woken FUTEX_WAIT returned %v, want 0", e)
		}
	}
}

// FUTEX_WAKE_BITSET wakes only the waiters whose bitset shares a bit
// with its own; FUTEX_WAIT's bitset matches any.
func TestFutexBitset(t *testing.T) {
	w := make([]uint32, 1)
	res := futexSleepers(t, &w[0], []uint32{0x1, 0x2, 0x6})
	r, e := futexOp(&w[0], futexWakeBitset|futexPrivate, 10, nil, 0x4)
	if e != 0 || r != 1 {
		t.Fatalf("WAKE_BITSET(0x4) over bitsets 1, 2, 6: woke %d (%v), want 1", r, e)
	}
	r, e = futexOp(&w[0], futexWakeBitset|futexPrivate, 10, nil, 0x8)
	if e != 0 || r != 0 {
		t.Fatalf("WAKE_BITSET(0x8) over bitsets 1, 2: woke %d (%v), want 0", r, e)
	}
	if n := waiters(&w[0]); n != 2 {
		t.Fatalf("%d waiters left, want 2", n)
	}
	r, e = futexOp(&w[0], futexWake, 10, nil, 0) // FUTEX_BITSET_MATCH_ANY
	if e != 0 || r != 2 {
		t.Fatalf("FUTEX_WAKE over bitsets 1, 2: woke %d (%v), want 2", r, e)
	}
	for i := 0; i < 3; i++ {
		if e := <-res; e != 0 {
			t.Fatalf("a woken FUTEX_WAIT_BITSET returned %v, want 0", e)
		}
	}
}

// A signal ends a timed futex wait with EINTR once its handler has run
// (Linux returns -ERESTART_RESTARTBLOCK, which becomes EINTR).
func TestFutexWaitSignal(t *testing.T) {
	w := make([]uint32, 1)
	task := make(chan *kernel.Task, 1)
	res := make(chan syscall.Errno, 1)
	var sent atomic.Bool
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		task <- kernel.Current()
		for {
			ts := syscall.Timespec{Sec: 60}
			_, e := futexOp(&w[0], futexWait|futexPrivate, 0, &ts, 0)
			// The runtime's own SIGURG (its preemption request) may
			// end the wait before the test's: wait again.
			if e == syscall.EINTR && !sent.Load() {
				continue
			}
			res <- e
			return
		}
	}()
	tk := <-task
	waitFor(t, "the waiter is queued on the futex", func() bool { return waiters(&w[0]) == 1 })
	sent.Store(true)
	kernel.SendSignalToTask(tk, kernel.SIGURG, true) // the runtime's handler takes it
	select {
	case e := <-res:
		if e != syscall.EINTR {
			t.Fatalf("a signal ended FUTEX_WAIT with %v, want EINTR", e)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a signal did not end a timed FUTEX_WAIT")
	}
}

// Many sleepers on futexes the runtime hashes alike: 500 locked
// goroutines, each a thread asleep on its own m, released and made
// again. Every one completes and the kernel prints no warning.
func TestFutexManySleepers(t *testing.T) {
	warnings := kernel.PrintkCount(kernel.KERN_WARNING)
	for round := 0; round < 2; round++ {
		const n = 500
		release := make(chan struct{})
		var started, done sync.WaitGroup
		started.Add(n)
		done.Add(n)
		for i := 0; i < n; i++ {
			go func() {
				defer done.Done()
				runtime.LockOSThread() // the thread exits with the goroutine
				started.Done()
				<-release
			}()
		}
		started.Wait()
		close(release)
		done.Wait()
	}
	if w := kernel.PrintkCount(kernel.KERN_WARNING) - warnings; w != 0 {
		t.Fatalf("%d kernel warnings while 500 threads slept", w)
	}
}

// 1000 kthreads looping in msleep: every one ends, and the kernel prints
// no warning.
func TestWaitMsleepKthreads(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0)) // kthread_run raises it
	warnings := kernel.PrintkCount(kernel.KERN_WARNING)
	const n = 1000
	ks := make([]*kernel.Kthread, 0, n)
	var loops sync.WaitGroup
	loops.Add(n)
	for i := 0; i < n; i++ {
		ks = append(ks, kernel.KthreadRun("msleeper", func(k *kernel.Kthread) {
			for j := 0; j < 3; j++ {
				kernel.Msleep(1 + j)
			}
			loops.Done()
		}))
	}
	loops.Wait()
	for _, k := range ks {
		<-k.Done()
	}
	if w := kernel.PrintkCount(kernel.KERN_WARNING) - warnings; w != 0 {
		t.Fatalf("%d kernel warnings while %d kthreads slept", w, n)
	}
}
