package kernel_test

// High-resolution timers (kernel/hrtimer.go, tick_sched.go, timer.go):
// callbacks in expiry order on the CPU that armed them, cancel that
// means never, the tick still at HZ on a busy CPU, and a short sleep
// woken by its own timer rather than by a tick. On one and on four CPUs.
//
// The test timers live in static arrays, not on the Go heap, and their
// callbacks are top-level functions that only store integers: they run
// in hardirq context (hrtimer.go's rules).

import (
	"math/rand"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"gopreempt/internal/ktest"
	"gopreempt/kernel"
	"gopreempt/percpu"
)

// testTimer is a timer with what its callback records.
type testTimer struct {
	kernel.HRTimer
	idx     int32
	cpu     int32 // where the callback ran
	inIRQ   bool  // the callback saw hardirq context
	ran     atomic.Int32
	spinFor uint64 // ns the callback spins (cancel-while-running test)
	started atomic.Bool
	done    atomic.Bool
}

const nTestTimers = 64

var (
	testTimers [nTestTimers]testTimer
	fireOrder  [nTestTimers]int32
	fired      atomic.Int32
)

func testTimerOf(t *kernel.HRTimer) *testTimer { return (*testTimer)(unsafe.Pointer(t)) }

// recordFire is the test timers' callback. Hardirq context.
func recordFire(h *kernel.HRTimer) kernel.HRTimerRestart {
	t := testTimerOf(h)
	t.cpu = int32(percpu.RawSmpProcessorID())
	t.inIRQ = kernel.InIRQ()
	t.started.Store(true)
	if t.spinFor != 0 {
		for end := kernel.Nanotime() + t.spinFor; kernel.Nanotime() < end; {
		}
	}
	if n := fired.Add(1) - 1; n < nTestTimers {
		fireOrder[n] = t.idx
	}
	t.ran.Add(1)
	t.done.Store(true)
	return kernel.HRTIMER_NORESTART
}

// resetTestTimers makes the first n test timers fresh, cancelled and
// recording.
func resetTestTimers(n int) {
	for i := range testTimers[:n] {
		t := &testTimers[i]
		kernel.HRTimerCancel(&t.HRTimer)
		t.idx, t.cpu, t.inIRQ, t.spinFor = int32(i), -1, false, 0
		t.ran.Store(0)
		t.started.Store(false)
		t.done.Store(false)
		t.SetFunction(recordFire)
	}
	fired.Store(0)
}

// waitFired waits up to 20 s for n callbacks.
func waitFired(n int32) bool {
	deadline := time.Now().Add(20 * time.Second)
	for fired.Load() < n {
		if time.Now().After(deadline) {
			return false
		}
		kernel.Msleep(1)
	}
	return true
}

// Timers with shuffled expiries, all armed before any can fire
// (interrupts off on the arming CPU, whose base they go to), run their
// callbacks in the order of their expiries, on the CPU that armed them,
// in hardirq context. On each CPU in turn.
func TestHRTimerExpiryOrder(t *testing.T) {
	for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
		resetTestTimers(nTestTimers)
		perm := rand.Perm(nTestTimers)
		ktest.InKthread(t, "hrtimer-order", func(k *kernel.Kthread) {
			k.Bind(cpu)
			fl := kernel.LocalIrqSave()
			base := kernel.Nanotime() + 1_000_000
			for i := range testTimers {
				// Slot perm[i]: 20 µs apart, the order unrelated
				// to the order of starting.
				kernel.HRTimerStart(&testTimers[i].HRTimer, base+uint64(perm[i])*20_000)
			}
			kernel.LocalIrqRestore(fl)
			if !waitFired(nTestTimers) {
				t.Errorf("cpu%d: %d of %d timers fired within 20 s", cpu, fired.Load(), nTestTimers)
			}
		})
		if t.Failed() {
			return
		}
		for n := 0; n < nTestTimers; n++ {
			got := fireOrder[n]
			if perm[got] != n {
				t.Errorf("cpu%d: callback %d was timer %d, whose expiry is slot %d", cpu, n, got, perm[got])
			}
		}
		for i := range testTimers {
			tt := &testTimers[i]
			if tt.cpu != int32(cpu) || !tt.inIRQ || tt.ran.Load() != 1 {
				t.Errorf("cpu%d: timer %d ran %d times, on cpu%d, in hardirq %v; want once on cpu%d in hardirq",
					cpu, i, tt.ran.Load(), tt.cpu, tt.inIRQ, cpu)
			}
		}
	}
}

// Every CPU arms one timer for the same moment: each callback runs on
// the CPU that armed it, whatever the others do.
func TestHRTimerFiresOnArmingCPU(t *testing.T) {
	n := kernel.OnlineCPUs()
	resetTestTimers(n)
	at := kernel.Nanotime() + 50_000_000
	ks := make([]*kernel.Kthread, n)
	for cpu := range ks {
		ks[cpu] = kernel.KthreadRun("hrtimer-cpu", func(k *kernel.Kthread) {
			k.Bind(cpu)
			kernel.HRTimerStart(&testTimers[cpu].HRTimer, at)
		})
	}
	for _, k := range ks {
		<-k.Done()
	}
	if !waitFired(int32(n)) {
		t.Fatalf("%d of %d timers fired within 20 s", fired.Load(), n)
	}
	for cpu := 0; cpu < n; cpu++ {
		if got := testTimers[cpu].cpu; got != int32(cpu) {
			t.Errorf("the timer armed on cpu%d fired on cpu%d", cpu, got)
		}
	}
}

// A pending timer that is cancelled never runs its callback: timer A is
// cancelled before its expiry, B, due after A, is left to fire, and once
// B has fired A is checked. Many rounds, with A due soon enough that the
// cancel sometimes comes in the last microseconds.
func TestHRTimerCancel(t *testing.T) {
	const rounds = 50
	var cancelled, late int
	ktest.InKthread(t, "hrtimer-cancel", func(k *kernel.Kthread) {
		for r := 0; r < rounds; r++ {
			resetTestTimers(2)
			a, b := &testTimers[0], &testTimers[1]
			now := kernel.Nanotime()
			kernel.HRTimerStart(&b.HRTimer, now+300_000)
			kernel.HRTimerStart(&a.HRTimer, now+uint64(r%5)*20_000+20_000)
			if kernel.HRTimerCancel(&a.HRTimer) {
				cancelled++
			} else {
				late++ // it fired before the cancel: allowed, and counted
			}
			ranAtCancel := a.ran.Load()
			deadline := time.Now().Add(20 * time.Second)
			for !b.done.Load() {
				if time.Now().After(deadline) {
					t.Errorf("round %d: timer B did not fire within 20 s", r)
					return
				}
				kernel.Msleep(1)
			}
			if got := a.ran.Load(); got != ranAtCancel {
				t.Errorf("round %d: timer A ran after hrtimer_cancel returned (%d times, %d before)", r, got, ranAtCancel)
			}
			if kernel.HRTimerCancel(&a.HRTimer) || kernel.HRTimerCancel(&b.HRTimer) {
				t.Errorf("round %d: hrtimer_cancel of an inactive timer reported it queued", r)
			}
		}
	})
	t.Logf("%d rounds: A cancelled while queued %d times, fired first %d times", rounds, cancelled, late)
	if cancelled == 0 {
		t.Errorf("A was never cancelled while queued")
	}
}

// hrtimer_cancel from another CPU while the callback runs waits for it
// to finish: after the cancel, the callback is done. The callback, on
// CPU 1, spins 20 ms; CPU 0 waits until it has started, then cancels.
// A host that does not run CPU 0 for those 20 ms spoils an attempt,
// which is then made again, up to ten times.
func TestHRTimerCancelWaitsForCallback(t *testing.T) {
	needCPUs(t, 2)
	tt := &testTimers[0]
	exercised := 0
	for attempt := 0; attempt < 10 && exercised == 0 && !t.Failed(); attempt++ {
		resetTestTimers(1)
		tt.spinFor = 20_000_000
		var armed atomic.Bool
		arm := kernel.KthreadRun("hrtimer-arm", func(k *kernel.Kthread) {
			k.Bind(1)
			kernel.HRTimerStart(&tt.HRTimer, kernel.Nanotime()+1_000_000)
			armed.Store(true)
		})
		ktest.InKthread(t, "hrtimer-cancel-running", func(k *kernel.Kthread) {
			k.Bind(0)
			for !armed.Load() {
				kernel.Msleep(1)
			}
			// Precondition: the callback has started (bounded).
			deadline := time.Now().Add(20 * time.Second)
			for !tt.started.Load() {
				if time.Now().After(deadline) {
					t.Errorf("the timer did not fire within 20 s")
					return
				}
			}
			doneAtCancel := tt.done.Load()
			kernel.HRTimerCancel(&tt.HRTimer)
			if !tt.done.Load() {
				t.Errorf("hrtimer_cancel returned while the callback was still running")
			}
			if !doneAtCancel {
				exercised++
			}
		})
		<-arm.Done()
	}
	if exercised == 0 && !t.Failed() {
		t.Skip("in ten attempts the callback always finished before the cancel (a starved host)")
	}
}

// The tick is still delivered at HZ on a CPU that never sleeps: a
// kthread spins on the last CPU until that CPU has taken 25 more ticks
// (bounded at 30 s), and those ticks came no faster than HZ allows. The
// tick timer is forwarded by whole periods from its grid, so each tick
// runs at or after a grid point of its own, and a late tick's overdue
// points are one run. The ticks counted from an arbitrary start to the
// 25th are then at most the grid points in the window plus one that
// came due before the start and ran late, after it: 25 ticks need at
// least 23 periods. (With 24 periods as the bound, a tick delayed by a
// starved host just after the start failed the test: 25 ticks in
// 95.4 ms at HZ=250.)
func TestTickAtHZOnBusyCPU(t *testing.T) {
	const want = 25
	cpu := kernel.OnlineCPUs() - 1
	var got uint64
	var took time.Duration
	ktest.InKthread(t, "busy", func(k *kernel.Kthread) {
		k.Bind(cpu)
		before := kernel.CPUStatsOf(cpu).Ticks
		runsBefore := kernel.HRTimerStatsOf(cpu).TickRuns
		start := time.Now()
		for kernel.CPUStatsOf(cpu).Ticks-before < want && time.Since(start) < 30*time.Second {
		}
		took = time.Since(start)
		got = kernel.CPUStatsOf(cpu).Ticks - before
		if runs := kernel.HRTimerStatsOf(cpu).TickRuns - runsBefore; runs != got {
			t.Errorf("cpu%d: %d ticks, %d runs of the tick timer", cpu, got, runs)
		}
	})
	period := time.Duration(kernel.TickPeriod())
	t.Logf("cpu%d busy: %d ticks in %v (HZ=%d)", cpu, got, took, kernel.HZ)
	if got < want {
		t.Fatalf("cpu%d took %d ticks in 30 s of spinning, want %d", cpu, got, want)
	}
	if least := time.Duration(want-2) * period; took < least {
		t.Errorf("cpu%d took %d ticks in %v, faster than HZ=%d allows (%v)", cpu, got, took, kernel.HZ, least)
	}
}

// A 50 µs nanosleep is woken by its own timer, not by the tick: of 20
// sleeps on one CPU, none ends early, and each is ended by its hrtimer
// firing in an interrupt in which no tick had run before it (the task's
// own record of its last timeout; with tick-driven timers every wake-up
// came from the tick). A few may share an interrupt with a tick that
// came due first, so most, not all, must. The CPU's sleeper counters and
// the ticks that fell within the sleeps are logged.
func TestNanosleepWokenByHRTimer(t *testing.T) {
	const sleeps = 20
	cpu := kernel.OnlineCPUs() - 1
	var offTick, short, noTick int
	var before, after kernel.HRTimerStats
	ktest.InKthread(t, "nanosleep", func(k *kernel.Kthread) {
		k.Bind(cpu)
		before = kernel.HRTimerStatsOf(cpu)
		for i := 0; i < sleeps; i++ {
			ticks := kernel.CPUStatsOf(cpu).Ticks
			t0 := kernel.Nanotime()
			ts := syscall.Timespec{Nsec: 50_000}
			if err := syscall.Nanosleep(&ts, nil); err != nil {
				t.Errorf("nanosleep: %v", err)
			}
			if kernel.Nanotime()-t0 < 50_000 {
				short++
			}
			if kernel.CPUStatsOf(cpu).Ticks == ticks {
				noTick++
			}
			fired, off := kernel.LastTimeout()
			if !fired {
				t.Errorf("sleep %d: its timer did not fire", i)
			}
			if fired && off {
				offTick++
			}
		}
		after = kernel.HRTimerStatsOf(cpu)
	})
	t.Logf("cpu%d: %d sleeps of 50 µs: %d woken by their timer without a tick, %d with no tick within; the CPU's sleeper wake-ups %d, %d of them in interrupts that ran no tick",
		cpu, sleeps, offTick, noTick, after.SleeperWakeups-before.SleeperWakeups, after.SleeperWakeupsOffTick-before.SleeperWakeupsOffTick)
	if short != 0 {
		t.Errorf("%d sleeps of 50 µs ended early", short)
	}
	if offTick < sleeps/2 {
		t.Errorf("%d of %d sleeps were woken by their timer without a tick; want most", offTick, sleeps)
	}
}

// hrtimer_forward moves an expiry past now by whole intervals and counts
// them.
func TestHRTimerForward(t *testing.T) {
	var h kernel.HRTimer
	h.SetExpires(100)
	if n := kernel.HRTimerForward(&h, 350, 100); n != 3 || h.Expires() != 400 {
		t.Errorf("forward from 100 past 350 by 100: %d overruns, expires %d; want 3, 400", n, h.Expires())
	}
	if n := kernel.HRTimerForward(&h, 350, 100); n != 0 || h.Expires() != 400 {
		t.Errorf("forward of a future expiry: %d overruns, expires %d; want 0, 400", n, h.Expires())
	}
	if n := kernel.HRTimerForward(&h, 400, 100); n != 1 || h.Expires() != 500 {
		t.Errorf("forward from 400 at 400: %d overruns, expires %d; want 1, 500", n, h.Expires())
	}
}

// busyOn keeps cpu busy, a kthread bound to it spinning, until the
// returned stop is called: an idle CPU stops its tick (NO_HZ_IDLE), and
// tests that count a CPU's ticks need it to have work.
// It returns once the kthread runs there (bounded at 20 s).
func busyOn(cpu int) (stop func()) {
	var there atomic.Bool
	k := kernel.KthreadRun("busy", func(k *kernel.Kthread) {
		k.Bind(cpu)
		there.Store(true)
		for !k.ShouldStop() {
			ktest.Spin(time.Millisecond)
		}
	})
	for deadline := time.Now().Add(20 * time.Second); !there.Load() && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	return func() { kernel.KthreadStop(k) }
}

// NO_HZ_IDLE: an idle CPU defers its tick, so while halted it takes
// far fewer ticks than HZ a second. The kernel counts the halts a tick
// ended (NohzStats.IdleTicks) apart from the others: the halts that a
// reschedule IPI or a sleeper's timer ends come as often as the Go
// runtime's threads on that CPU sleep and wake, and say nothing about
// the tick. With a tick that never stops, every tick that comes while
// the CPU is halted ends a halt, HZ a second of halted time less what a
// starved host loses; deferred by a second, at most about one. The test
// waits, up to 30 s, until the last CPU has been halted for 300 ms more
// and has been seen with its tick stopped, and needs a CPU other than
// CPU 0, which keeps its tick. While that CPU's tick is stopped, the
// stall detector does not take it for a hard lockup.
func TestNoHZIdleCPUTakesFewerInterrupts(t *testing.T) {
	needCPUs(t, 2)
	cpu := kernel.OnlineCPUs() - 1
	before := kernel.NohzStatsOf(cpu)
	deadline := time.Now().Add(30 * time.Second)
	sawStopped := false
	for !sawStopped || kernel.NohzStatsOf(cpu).IdleNs-before.IdleNs < 300e6 {
		if r0 := kernel.NohzStatsOf(cpu).Restarts; kernel.TickStopped(cpu) {
			// Judged only if the tick stayed stopped throughout (no
			// restart between the reads): a tick just restarted has
			// not yet ticked, and its last tick is then old.
			now := kernel.Nanotime()
			_, bad := kernel.StallHardLockup(cpu, now+2*stallLimit, stallLimit)
			if bad && kernel.TickStopped(cpu) && kernel.NohzStatsOf(cpu).Restarts == r0 {
				t.Errorf("cpu%d: its tick stopped, the stall detector sees a hard lockup", cpu)
			}
			sawStopped = true
		}
		if time.Now().After(deadline) {
			st := kernel.NohzStatsOf(cpu)
			t.Fatalf("cpu%d was halted for %v in 30 s, want 300 ms; its tick stopped %d times, seen stopped %v",
				cpu, time.Duration(st.IdleNs-before.IdleNs), st.Stops-before.Stops, sawStopped)
		}
		time.Sleep(time.Millisecond)
	}
	after := kernel.NohzStatsOf(cpu)
	idle := float64(after.IdleNs-before.IdleNs) / 1e9
	ticks := after.IdleTicks - before.IdleTicks
	rate := float64(ticks) / idle
	t.Logf("cpu%d: halted %.3f s, %d halts ended, %d of them by the tick (%.1f ticks a second while idle, HZ=%d); tick stopped %d times",
		cpu, idle, after.IdleWakeups-before.IdleWakeups, ticks, rate, kernel.HZ, after.Stops-before.Stops)
	if rate >= float64(kernel.HZ)/10 {
		t.Errorf("cpu%d took %.1f ticks a second while halted, want fewer than HZ/10 = %d", cpu, rate, kernel.HZ/10)
	}
}
