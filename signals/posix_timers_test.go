package signals_test

import (
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"gopreempt/kernel"
	"gopreempt/signals"
)

// Timers on the wall clocks (kernel/posix_timers.go): ITIMER_REAL and
// alarm, POSIX timers on CLOCK_MONOTONIC, CLOCK_REALTIME (absolute) and
// CLOCK_BOOTTIME. Each test counts what the kernel and the handler saw;
// none asserts a wall time.

const (
	itimerReal    = 0
	clockRealtime = 0
	clockMono     = 1
	clockBoottime = 7
	sigevSignal   = 0
	timerAbstime  = 1
	sigBlock      = 0
	sigUnblock    = 1
)

// withRaw installs RawHandler for sig, runs fn and puts the old action
// back.
func withRaw(t *testing.T, sig syscall.Signal, fn func()) {
	var old sigaction
	act := sigaction{uint64(signals.RawHandlerAddr()), saSiginfo | saRestorer | saRestart | saOnstack, uint64(signals.RawRestorerAddr()), 0}
	rtSigaction(t, sig, &act, &old)
	defer rtSigaction(t, sig, &old, nil)
	fn()
}

// waitFor polls cond every 100 µs, failing the test after giveUp.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(giveUp)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen after %v", what, giveUp)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func timerCreate(t *testing.T, clk uintptr, sev *sigevent) int32 {
	t.Helper()
	var id int32
	if _, _, e := syscall.RawSyscall(sysTimerCreate, clk, uintptr(unsafe.Pointer(sev)), uintptr(unsafe.Pointer(&id))); e != 0 {
		t.Fatalf("timer_create(%d): %v", clk, e)
	}
	// However the test ends: a periodic timer left running would
	// signal the tests after it and be counted in their expiries.
	t.Cleanup(func() { syscall.RawSyscall(sysTimerDelete, uintptr(id), 0, 0) })
	if !kernel.IsPosixTimer(id) {
		t.Fatalf("timer_create(%d) gave id %d, not a wall-clock timer's", clk, id)
	}
	return id
}

func timerSettime(t *testing.T, id int32, flags uintptr, interval, value time.Duration) itimerspec {
	t.Helper()
	spec := itimerspec{syscall.NsecToTimespec(int64(interval)), syscall.NsecToTimespec(int64(value))}
	var old itimerspec
	if _, _, e := syscall.RawSyscall6(sysTimerSettime, uintptr(id), flags, uintptr(unsafe.Pointer(&spec)), uintptr(unsafe.Pointer(&old)), 0, 0); e != 0 {
		t.Fatalf("timer_settime(%d, %d, %v, %v): %v", id, flags, interval, value, e)
	}
	return old
}

func timerGettime(t *testing.T, id int32) itimerspec {
	t.Helper()
	var cur itimerspec
	if _, _, e := syscall.RawSyscall(sysTimerGettime, uintptr(id), uintptr(unsafe.Pointer(&cur)), 0); e != 0 {
		t.Fatalf("timer_gettime(%d): %v", id, e)
	}
	return cur
}

// A periodic CLOCK_MONOTONIC timer signalling its thread (SIGEV_THREAD_ID)
// while the thread blocks the signal: the first expiry queues the signal,
// the later ones are overruns, which the kernel counts. When the thread
// unblocks it, one delivery reports them all in si_overrun, with
// SI_TIMER, the timer's id and sigev_value, and timer_getoverrun then
// returns the same number. The timer goes on re-arming by its interval;
// timer_delete stops it, and its id is gone.
func TestPosixTimerOverruns(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	withRaw(t, syscall.SIGUSR2, func() {
		sev := sigevent{value: 0xabc, signo: int32(syscall.SIGUSR2), notify: sigevThreadID, tid: int32(syscall.Gettid())}
		id := timerCreate(t, clockMono, &sev)
		const want = 3
		var got, overrun uint64
		for attempt := 0; ; attempt++ {
			if attempt == 20 {
				t.Fatalf("no attempt saw exactly one delivery on unblocking")
			}
			sigprocmask(sigBlock, bit(syscall.SIGUSR2))
			before := kernel.PosixTimerStatsOf()
			timerSettime(t, id, 0, time.Millisecond, time.Millisecond)
			waitFor(t, "3 overruns of a blocked timer signal", func() bool {
				return kernel.PosixTimerStatsOf().Overruns-before.Overruns >= want
			})
			seen := kernel.PosixTimerStatsOf().Overruns - before.Overruns
			c0 := rawCount()
			sigprocmask(sigUnblock, bit(syscall.SIGUSR2)) // delivered on this call's return
			sigprocmask(sigBlock, bit(syscall.SIGUSR2))
			got, overrun = rawCount()-c0, signals.RawUnion[0]>>32
			if got != 1 {
				continue // a later expiry's signal came in between: again
			}
			if signals.RawSig != uint64(syscall.SIGUSR2) || int32(signals.RawCode) != siTimer {
				t.Fatalf("signal %d code %d, want SIGUSR2 SI_TIMER", signals.RawSig, int32(signals.RawCode))
			}
			if tid := int32(signals.RawUnion[0]); tid != id || signals.RawUnion[1] != 0xabc {
				t.Fatalf("si_tid %d si_value %#x, want %d and 0xabc", tid, signals.RawUnion[1], id)
			}
			if overrun < seen {
				t.Fatalf("si_overrun %d, but the kernel had counted %d overruns before the delivery", overrun, seen)
			}
			r, _, e := syscall.RawSyscall(sysTimerGetoverrun, uintptr(id), 0, 0)
			if e != 0 || uint64(r) != overrun {
				t.Fatalf("timer_getoverrun = %d (%v), want si_overrun %d", r, e, overrun)
			}
			if cur := timerGettime(t, id); cur.interval.Nano() != int64(time.Millisecond) || cur.value.Nano() <= 0 {
				t.Fatalf("timer_gettime of the running timer: %+v", cur)
			}
			break
		}
		if _, _, e := syscall.RawSyscall(sysTimerDelete, uintptr(id), 0, 0); e != 0 {
			t.Fatalf("timer_delete: %v", e)
		}
		sigprocmask(sigUnblock, bit(syscall.SIGUSR2))
		n := kernel.PosixTimerStatsOf().Expiries
		time.Sleep(20 * time.Millisecond)
		if d := kernel.PosixTimerStatsOf().Expiries - n; d != 0 {
			t.Fatalf("%d expiries after timer_delete", d)
		}
		if _, _, e := syscall.RawSyscall(sysTimerDelete, uintptr(id), 0, 0); e != syscall.EINVAL {
			t.Fatalf("second timer_delete: %v, want EINVAL", e)
		}
	})
}

// ITIMER_REAL sends SIGALRM to the process with SI_KERNEL, again at each
// interval; getitimer reads it back; setting it to zero disarms it and
// returns the old setting, and nothing expires after that. alarm sets
// the same timer in seconds and returns what was left.
func TestItimerReal(t *testing.T) {
	withRaw(t, syscall.SIGALRM, func() {
		before := kernel.PosixTimerStatsOf()
		c0 := rawCount()
		period := itimerval{syscall.NsecToTimeval(int64(2 * time.Millisecond)), syscall.NsecToTimeval(int64(2 * time.Millisecond))}
		if _, _, e := syscall.RawSyscall(sysSetitimer, itimerReal, uintptr(unsafe.Pointer(&period)), 0); e != 0 {
			t.Fatalf("setitimer: %v", e)
		}
		// However this test ends: a 2 ms timer left running would be
		// counted by the tests after it.
		defer func() {
			var zero itimerval
			syscall.RawSyscall(sysSetitimer, itimerReal, uintptr(unsafe.Pointer(&zero)), 0)
		}()
		waitFor(t, "3 SIGALRMs", func() bool { return rawCount()-c0 >= 3 })
		if signals.RawSig != uint64(syscall.SIGALRM) || signals.RawCode != siKernel {
			t.Fatalf("signal %d code %#x, want SIGALRM SI_KERNEL", signals.RawSig, signals.RawCode)
		}
		var cur itimerval
		syscall.RawSyscall(sysGetitimer, itimerReal, uintptr(unsafe.Pointer(&cur)), 0)
		if cur.interval.Nano() != int64(2*time.Millisecond) || cur.value.Nano() <= 0 || cur.value.Nano() > int64(2*time.Millisecond) {
			t.Fatalf("getitimer: %+v", cur)
		}
		var zero, old itimerval
		syscall.RawSyscall(sysSetitimer, itimerReal, uintptr(unsafe.Pointer(&zero)), uintptr(unsafe.Pointer(&old)))
		if old.interval.Nano() != int64(2*time.Millisecond) {
			t.Fatalf("setitimer's old setting: %+v", old)
		}
		if d := kernel.PosixTimerStatsOf().ItimerSignals - before.ItimerSignals; d < 3 {
			t.Fatalf("the kernel sent %d SIGALRMs, the handler saw %d", d, rawCount()-c0)
		}
		n := kernel.PosixTimerStatsOf().Expiries
		time.Sleep(20 * time.Millisecond)
		if d := kernel.PosixTimerStatsOf().Expiries - n; d != 0 {
			t.Fatalf("%d expiries after ITIMER_REAL was disarmed", d)
		}

		if r, _, _ := syscall.RawSyscall(sysAlarm, 100, 0, 0); r != 0 {
			t.Fatalf("alarm(100) with no alarm set returned %d", r)
		}
		if r, _, _ := syscall.RawSyscall(sysAlarm, 0, 0, 0); r != 100 {
			t.Fatalf("alarm(0) returned %d, want the 100 seconds left", r)
		}
		syscall.RawSyscall(sysGetitimer, itimerReal, uintptr(unsafe.Pointer(&cur)), 0)
		if cur.value.Nano() != 0 {
			t.Fatalf("getitimer after alarm(0): %+v", cur)
		}
	})
}

const sysAlarm = 37

// One-shot timers signalling the process (SIGEV_SIGNAL): on
// CLOCK_REALTIME at an absolute time (TIMER_ABSTIME), on CLOCK_BOOTTIME
// after a delay, and at an absolute time already past, which fires at
// once. Each signal carries SI_TIMER and sigev_value, and afterwards the
// timer reads as disarmed.
func TestPosixTimerOneShot(t *testing.T) {
	withRaw(t, syscall.SIGUSR2, func() {
		for _, tc := range []struct {
			name  string
			clk   uintptr
			flags uintptr
			value func() time.Duration
		}{
			// (max: the test kernel's RTC may read the epoch, and
			// CLOCK_REALTIME then starts just below zero.)
			{"realtime absolute", clockRealtime, timerAbstime, func() time.Duration { return max(clockNs(t, clockRealtime), 0) + 2*time.Millisecond }},
			{"boottime relative", clockBoottime, 0, func() time.Duration { return 2 * time.Millisecond }},
			{"monotonic absolute in the past", clockMono, timerAbstime, func() time.Duration { return max(clockNs(t, clockMono)-time.Second, time.Nanosecond) }},
		} {
			sev := sigevent{value: uint64(0x100 + tc.clk), signo: int32(syscall.SIGUSR2), notify: sigevSignal}
			id := timerCreate(t, tc.clk, &sev)
			before := kernel.PosixTimerStatsOf()
			c0 := rawCount()
			timerSettime(t, id, tc.flags, 0, tc.value())
			waitFor(t, tc.name+": the timer's signal", func() bool { return rawCount() > c0 })
			if int32(signals.RawCode) != siTimer || signals.RawUnion[1] != sev.value || int32(signals.RawUnion[0]) != id {
				t.Fatalf("%s: code %d si_tid %d si_value %#x", tc.name, int32(signals.RawCode), int32(signals.RawUnion[0]), signals.RawUnion[1])
			}
			if d := kernel.PosixTimerStatsOf().Expiries - before.Expiries; d != 1 {
				t.Fatalf("%s: %d expiries of a one-shot timer", tc.name, d)
			}
			if cur := timerGettime(t, id); cur.value.Nano() != 0 || cur.interval.Nano() != 0 {
				t.Fatalf("%s: timer_gettime after it fired: %+v", tc.name, cur)
			}
			syscall.RawSyscall(sysTimerDelete, uintptr(id), 0, 0)
		}
	})
}

// A timer's signal still pending when timer_settime re-arms the timer is
// not the new setting's (kernel/posix_timers.go, arm): it must not be
// delivered as an SI_TIMER that names no timer (si_tid 0, si_value 0),
// which is what a signal whose timer no longer counts it as queued
// became.
func TestPosixTimerRearmPendingSignal(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	withRaw(t, syscall.SIGUSR2, func() {
		sev := sigevent{value: 0xdef, signo: int32(syscall.SIGUSR2), notify: sigevThreadID, tid: int32(syscall.Gettid())}
		id := timerCreate(t, clockMono, &sev)
		sigprocmask(sigBlock, bit(syscall.SIGUSR2))
		defer sigprocmask(sigUnblock, bit(syscall.SIGUSR2))
		before := kernel.PosixTimerStatsOf()
		timerSettime(t, id, 0, 0, time.Millisecond)
		waitFor(t, "the timer's signal queued", func() bool { return kernel.PosixTimerStatsOf().Signals > before.Signals })
		timerSettime(t, id, 0, 0, time.Hour)
		c0 := rawCount()
		sigprocmask(sigUnblock, bit(syscall.SIGUSR2))
		if d := rawCount() - c0; d != 0 && (int32(signals.RawUnion[0]) != id || signals.RawUnion[1] != 0xdef) {
			t.Errorf("%d deliveries after re-arming, the last with si_code %d si_tid %d si_value %#x: a timer signal that names no timer",
				d, int32(signals.RawCode), int32(signals.RawUnion[0]), signals.RawUnion[1])
		}
	})
}
