package kernel_test

// A spin round: a CPU-bound kthread (the spinner) shares CPU 0 with a
// kthread that counts (the counter), and the round reports what the
// counter and the kernel's statistics did while the spinner spun. The
// preemption-model tests are made of such rounds (docs/testing.md, "Tests
// that hold on a busy host").
//
// What a round shows rests on two preconditions that a busy host and the
// Go runtime can take away. The round establishes them instead of
// assuming them from wall time, and reads its results without giving the
// Go runtime a chance to stop the spinner (spinTicks):
//
//   - The counter is runnable on CPU 0 when the spin starts. The Go
//     runtime preempts a goroutine that has run for 10 ms at its next
//     function call and, because a kthread's goroutine is locked to its
//     thread, parks that thread in a futex until another thread hands the
//     goroutine back. A counter parked at the start of the spin is on no
//     run queue: no tick sets need_resched, and the round shows nothing
//     about preemption. So the spinner first waits until the counter has
//     advanced since the spinner started (it provably ran), and an attempt
//     in which the counter is nevertheless not TASK_RUNNING and queued on
//     CPU 0 when the spin starts is void and made again. That is the only
//     retry, and it is the runtime's doing, not the mechanism's.
//   - What the counter does with the CPU is the runtime's business too.
//     A counter queued as TASK_RUNNING may be on its way to that park,
//     preempted by the tick in the runtime's code after the runtime asked
//     it to stop. Given the CPU, it parks without counting, and the
//     goroutine comes back only when some other thread's Go scheduler
//     hands it over. A garbage collection delays that: stopping the world
//     waits for the spinner too, which, with SIGURG blocked and no
//     function call, stops only when its spin is over. So the counter may
//     get no further for most of the spin, or all of it, however well the
//     kernel preempts. A soak on four CPUs saw 78 ticks without a count;
//     with runtime.GC() in a loop beside the round, a round that waited
//     for a count failed so in 7 of 40 runs, and in each the spinner had
//     been preempted on interrupt return once and the counter had left
//     the CPU once, for a sleep it did not leave during the spin. The
//     round therefore takes the counter to have had the CPU when it
//     counted or when it left the CPU (its switch counts rose), which it
//     cannot do without running: that is what preemption is to give it,
//     and the switch out is the kernel's own record of it.
//   - Enough timer ticks arrive during the spin. QEMU loses ticks when the
//     host starves its threads (49 of 75 due were seen on a loaded host),
//     so a spin of 400 ms may hold fewer than a time slice of ticks. The
//     spin lasts until the ticks that found the spinner running (its
//     Stats.Ticks, counted by scheduler_tick) exceed what was left of its
//     time slice, so the slice provably ran out during the spin; the wait
//     is bounded by spinLimit, and running into the bound fails the test.

import (
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/internal/ktest"
	"gopreempt/kernel"
)

// spinLimit bounds a round's spin. It stays well below kernel.StallLimit
// (on one CPU a spin inside preempt_disable() keeps the stall detector's
// heartbeat from running); with counterWait, one attempt stays within
// inKthread's 60 s.
const spinLimit = 30 * time.Second

// counterWait bounds the wait for the counter to run before a spin.
const counterWait = 20 * time.Second

// maxAttempts bounds the void attempts. On four CPUs under preempt=none
// most attempts can be void: the spinner, woken from its sleep, waits on
// CPU 0's queue until the counter leaves the CPU, and the counter leaves
// it mostly because the Go runtime has preempted it (after 10 ms, well
// before its 100 ms time slice ends), that is, parked.
const maxAttempts = 200

// spinSpec says how a round spins.
type spinSpec struct {
	disabled bool          // spin inside preempt_disable()
	minTime  time.Duration // spin at least this long
	// extraTicks: spin until the ticks that found the spinner running
	// exceed its remaining time slice by this many.
	extraTicks uint64
	// untilPreempted ends the spin early, once the spinner has been
	// preempted on interrupt return and the counter has advanced.
	untilPreempted bool
}

// spinRound is what one round saw.
type spinRound struct {
	pid      int32  // the spinner's
	progress uint64 // counter increments during the spin
	ran      bool   // the counter had CPU 0 during the spin: it counted, or it left the CPU
	ticks    uint64 // ticks that found the spinner running during the spin
	needed   uint64 // ticks the spin waited for
	spun     time.Duration
	resched  bool             // TIF_NEED_RESCHED set when the spin ended
	before   kernel.TaskStats // the spinner's statistics before the spin
	inside   kernel.TaskStats // ... when the spin ended
	after    kernel.TaskStats // ... after preempt_enable() (if disabled)
	// The counter's task, for a failure's report: its statistics and
	// whether it was queued, on which CPU, when the spin started and
	// when it ended, and the fair scheduler's view of both at the end.
	cBefore, cInside   kernel.TaskStats
	cQueued0, cQueued1 bool
	cCPU0, cCPU1       uint32
	cState1            int32
	fairMe, fairC      kernel.FairStats
}

// counterReport describes the counter's task during the round.
func (r *spinRound) counterReport() string {
	return fmt.Sprintf("counter at the spin's start: queued %v on cpu%d; at its end: state %d, queued %v on cpu%d; "+
		"during it: %d wakeups, %d voluntary and %d involuntary switches, %d ticks; vruntime minus the spinner's %d ns (min_vruntime %d, spinner %d)",
		r.cQueued0, r.cCPU0, r.cState1, r.cQueued1, r.cCPU1,
		r.cInside.Wakeups-r.cBefore.Wakeups, r.cInside.Voluntary-r.cBefore.Voluntary, r.cInside.Involuntary-r.cBefore.Involuntary,
		r.cInside.Ticks-r.cBefore.Ticks, int64(r.fairC.Vruntime-r.fairMe.Vruntime), r.fairMe.MinVruntime, r.fairMe.Vruntime)
}

// spinNextToCounter runs attempts until one has its preconditions (at
// most maxAttempts) and returns what it saw.
func spinNextToCounter(t *testing.T, spec spinSpec) spinRound {
	t.Helper()
	var counter atomic.Uint64
	// The counter is well-behaved kernel code: it offers to reschedule
	// (cond_resched) on every round, which is what lets anything else run
	// at all under preempt=none.
	counting := kernel.KthreadRun("counter", func(k *kernel.Kthread) {
		k.Bind(0) // both on CPU 0: preemption is about sharing one CPU
		for !k.ShouldStop() {
			counter.Add(1)
			kernel.CondResched()
		}
	})
	defer kernel.KthreadStop(counting)
	var r spinRound
	var voids int
	var problem string
	ktest.InKthread(t, "spinner", func(k *kernel.Kthread) {
		k.Bind(0)
		for voids = 0; voids < maxAttempts; voids++ {
			// Precondition 1: the counter ran after the spinner
			// started, or since the last void attempt.
			c := counter.Load()
			deadline := time.Now().Add(counterWait)
			for counter.Load() == c {
				if time.Now().After(deadline) {
					problem = "the counter kthread did not run within " + counterWait.String()
					return
				}
				time.Sleep(time.Millisecond)
			}
			// The runtime's asynchronous preemption (SIGURG after
			// 10 ms) would park the spinner's thread in the middle of
			// the spin, a voluntary sleep: the round is about the
			// timer, so the spinner's thread blocks the signal until
			// the last reading (docs/signals.md).
			restore := blockPreemptSignal()
			if spec.disabled {
				kernel.PreemptDisable()
			}
			ok := spinTicks(&r, k.Task(), counting.Task(), &counter, spec)
			if ok {
				r.fairMe, r.fairC = kernel.FairStatsOf(k.Task()), kernel.FairStatsOf(counting.Task())
			}
			if spec.disabled {
				kernel.PreemptEnable()
			}
			if ok {
				r.after = k.Task().Stats
			}
			restore()
			if ok {
				return
			}
		}
	})
	if problem != "" {
		t.Fatal(problem)
	}
	if voids == maxAttempts {
		t.Fatalf("in %d attempts the counter was never runnable when the spin started", maxAttempts)
	}
	if voids > 0 {
		t.Logf("%d attempts void: the counter's thread was parked by the Go runtime when the spin started", voids)
	}
	if r.spun >= spinLimit && r.ticks < r.needed && !spec.untilPreempted {
		t.Fatalf("only %d of the %d ticks needed arrived during a %v spin: the host starves QEMU's timer",
			r.ticks, r.needed, r.spun)
	}
	return r
}

// spinTicks is one round's spin, run by the spinner me. It first checks
// precondition 2 (the counter is runnable and queued on CPU 0) and
// reports false if it does not hold. Then it busy-waits until it has spun
// spec.minTime and the ticks needed have found it running, or, with
// spec.untilPreempted, until it has been preempted on interrupt return
// and the counter has had the CPU (it advanced or left the CPU); at most
// spinLimit.
//
// From the check to the last value it records in r, spinTicks calls no Go
// function: no system call, no blocking operation, no function prologue.
// So neither the kernel's voluntary paths nor the Go scheduler get a say,
// and only the timer can take the CPU away. (A prologue is where the Go
// runtime stops a goroutine that has run for 10 ms; reading need_resched
// through kernel.NeedResched() after the spin once let the runtime park
// the spinner there, which consumed the flag before it was read.) The TSC
// read is a call to an assembly function without a prologue, so the
// statistics and the counter are read anew on every turn.
func spinTicks(r *spinRound, me, counterTask *kernel.Task, counter *atomic.Uint64, spec spinSpec) bool {
	if counterTask.State != kernel.TASK_RUNNING || !counterTask.Queued() || counterTask.ThreadInfo.CPU != 0 {
		return false // parked by the Go runtime since it last counted
	}
	st := &me.Stats
	cs := &counterTask.Stats
	r.pid = me.Pid
	r.before = *st
	r.cBefore = counterTask.Stats
	r.cQueued0, r.cCPU0 = counterTask.Queued(), counterTask.ThreadInfo.CPU
	r.needed = uint64(max(me.Slice, 0)) + spec.extraTicks
	hz := float64(kernel.TSCFrequency())
	minTSC := uint64(spec.minTime.Seconds() * hz)
	limit := uint64(spinLimit.Seconds() * hz)
	c0 := counter.Load()
	out0 := cs.Voluntary + cs.Involuntary
	start := amd64.Rdtsc()
	var d uint64
	for {
		d = amd64.Rdtsc() - start
		if d >= limit ||
			d >= minTSC && st.Ticks-r.before.Ticks >= r.needed ||
			spec.untilPreempted && st.PreemptFromIRQ != r.before.PreemptFromIRQ &&
				(counter.Load() != c0 || cs.Voluntary+cs.Involuntary != out0) {
			break
		}
	}
	r.progress = counter.Load() - c0
	r.ran = r.progress != 0 || cs.Voluntary+cs.Involuntary != out0
	r.inside = *st
	r.cInside = counterTask.Stats
	r.cQueued1, r.cCPU1, r.cState1 = counterTask.Queued(), counterTask.ThreadInfo.CPU, counterTask.State
	r.resched = atomic.LoadUint64(&me.ThreadInfo.Flags)&kernel.TIF_NEED_RESCHED != 0
	r.ticks = r.inside.Ticks - r.before.Ticks
	r.spun = time.Duration(float64(d) / hz * 1e9)
	return true
}

// The same rules for tests that are not made of rounds: a busy kthread on
// CPU 0 that provably runs, and a spin that lasts until enough ticks have
// arrived.

// busyOnCPU0 starts a CPU-bound kthread bound to CPU 0 that counts its
// turns in rounds; stop it with kernel.KthreadStop.
func busyOnCPU0(rounds *atomic.Uint64) *kernel.Kthread {
	return kernel.KthreadRun("busy", func(k *kernel.Kthread) {
		k.Bind(0)
		// Runnable on CPU 0 at every tick: a goroutine the runtime
		// preempts asynchronously parks its locked thread until
		// another thread hands it back.
		blockPreemptSignal()
		for !k.ShouldStop() {
			rounds.Add(1)
		}
	})
}

// waitAdvance waits until c has changed, at most counterWait; it reports
// whether it did. It sleeps between looks, so that the kthread that
// changes c may run on this CPU.
func waitAdvance(c *atomic.Uint64) bool {
	v := c.Load()
	deadline := time.Now().Add(counterWait)
	for c.Load() == v {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// spinHeld busy-waits, like spin, until it has spun at least min and
// more ticks than the rest of me's time slice, plus extra, have found me
// running; at most spinLimit. It returns the ticks it needed, those that
// arrived, and how long it spun. The caller holds preemption off (so the
// Go runtime cannot stop it either; function calls do not matter here).
func spinHeld(me *kernel.Task, min time.Duration, extra uint64) (needed, ticks uint64, spun time.Duration) {
	st := &me.Stats
	needed = uint64(max(me.Slice, 0)) + extra
	hz := float64(kernel.TSCFrequency())
	minTSC := uint64(min.Seconds() * hz)
	limit := uint64(spinLimit.Seconds() * hz)
	t0 := st.Ticks
	start := amd64.Rdtsc()
	for {
		d := amd64.Rdtsc() - start
		if d >= limit || d >= minTSC && st.Ticks-t0 >= needed {
			return needed, st.Ticks - t0, time.Duration(float64(d) / hz * 1e9)
		}
	}
}

// blockPreemptSignal blocks SIGURG, the Go runtime's asynchronous
// preemption signal, on the calling thread (a kthread's, locked), and
// returns the function that restores the mask. A SIGURG sent meanwhile
// stays pending and is delivered after the restore.
func blockPreemptSignal() (restore func()) {
	set := uint64(1) << (syscall.SIGURG - 1)
	var old uint64
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0 /* SIG_BLOCK */, uintptr(unsafe.Pointer(&set)),
		uintptr(unsafe.Pointer(&old)), 8, 0, 0)
	return func() {
		syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 2 /* SIG_SETMASK */, uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
	}
}
