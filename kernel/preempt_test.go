package kernel_test

// Kernel-mode tests of the preemption model (issue: make the kernel
// preemptible). Each fails if the mechanism it names is broken.

import (
	"sync/atomic"
	"testing"
	"time"

	"gopreempt/arch/amd64"
	"gopreempt/internal/ktest"
	"gopreempt/kernel"
)

func TestPreemptNesting(t *testing.T) {
	ktest.InKthread(t, "nesting", func(k *kernel.Kthread) {
		base := kernel.PreemptCount()
		for i := 1; i <= 3; i++ {
			kernel.PreemptDisable()
			if got := kernel.PreemptCount() & kernel.PREEMPT_MASK; got != base+uint32(i) {
				t.Errorf("after %d preempt_disable: count %#x", i, got)
			}
			if !kernel.InAtomic() {
				t.Errorf("in_atomic() false with preemption disabled")
			}
		}
		for i := 2; i >= 0; i-- {
			kernel.PreemptEnable()
			if got := kernel.PreemptCount() & kernel.PREEMPT_MASK; got != base+uint32(i) {
				t.Errorf("after enable: count %#x, want %#x", got, base+uint32(i))
			}
		}
		if kernel.InAtomic() {
			t.Errorf("in_atomic() true after balanced enables")
		}
		n := kernel.ExpectBugs(kernel.BugPreemptUnderflow, func() { kernel.PreemptEnable() })
		if n != 1 {
			t.Errorf("preempt_enable() at count 0 reported %d underflows, want 1", n)
		}
		if got := kernel.PreemptCount(); got != base {
			t.Errorf("underflow changed the count to %#x", got)
		}
	})
}

// sliceTicks is a nice-0 time slice in ticks (100 ms).
func sliceTicks() uint64 { return uint64(max(kernel.HZ/10, 1)) }

func TestTimerPreemptsSpinnerUnderFull(t *testing.T) {
	ktest.WithModel(kernel.PreemptFull, func() {
		// The spin ends once the mechanism has been seen, or after
		// three more time slices of ticks without it.
		r := spinNextToCounter(t, spinSpec{extraTicks: 3 * sliceTicks(), untilPreempted: true})
		irq := r.inside.PreemptFromIRQ - r.before.PreemptFromIRQ
		// The counter had the CPU if it counted or left the CPU
		// (spinTicks); what it did with it is the Go runtime's
		// business as much as the kernel's (spin_round_test.go).
		if !r.ran {
			t.Fatalf("preempt=full: the counter never had CPU 0 while another kthread spun through %d ticks (%v); %s", r.ticks, r.spun, r.counterReport())
		}
		if irq == 0 {
			t.Errorf("the spinner was never preempted on interrupt return in %d ticks", r.ticks)
		}
		t.Logf("counter advanced %d during a %v spin of %d ticks; spinner preempted %d times from IRQ; %s", r.progress, r.spun, r.ticks, irq, r.counterReport())
	})
}

func TestNoPreemptionUnderNone(t *testing.T) {
	ktest.WithModel(kernel.PreemptNone, func() {
		r := spinNextToCounter(t, spinSpec{minTime: 400 * time.Millisecond, extraTicks: 2})
		if !r.resched {
			t.Fatalf("preempt=none: need_resched not set after %d ticks (%d needed) with the counter runnable", r.ticks, r.needed)
		}
		// Both are bound to CPU 0, so this holds on any number of CPUs.
		if r.ran {
			t.Fatalf("preempt=none: the counter had CPU 0 (advanced %d) while the spinner held it; %s", r.progress, r.counterReport())
		}
		if n := r.inside.PreemptFromIRQ - r.before.PreemptFromIRQ; n != 0 {
			t.Errorf("preempt=none: %d preemptions from IRQ during the spin", n)
		}
	})
}

func TestPreemptDisabledSpinIsNotPreempted(t *testing.T) {
	for _, m := range []kernel.PreemptModel{kernel.PreemptNone, kernel.PreemptVoluntary, kernel.PreemptFull} {
		ktest.WithModel(m, func() {
			var r spinRound
			ktest.WithPreemptTraced(func() {
				r = spinNextToCounter(t, spinSpec{disabled: true, minTime: 400 * time.Millisecond, extraTicks: 2})
			})
			if r.progress != 0 { // both bound to CPU 0
				t.Errorf("model %d: the counter advanced %d during a preempt_disable()d spin", m, r.progress)
			}
			if n := r.inside.Involuntary - r.before.Involuntary; n != 0 {
				t.Errorf("model %d: preempted %d times inside preempt_disable() (%d ticks)", m, n, r.ticks)
			}
			if !r.resched {
				t.Errorf("model %d: need_resched not set after %d ticks (%d needed) with the counter runnable", m, r.ticks, r.needed)
			}
			// preempt_enable() lowers the count before it reads
			// need_resched (preempt.go says why), so a tick that comes
			// between the two preempts on its interrupt return, a few
			// instructions early: the same preemption, counted there.
			// (Ticks after the spinner is back may preempt it again
			// before it reads its statistics: more on interrupt
			// return say nothing.)
			atEnable := r.after.PreemptFromEnable - r.before.PreemptFromEnable
			onIRQ := r.after.PreemptFromIRQ - r.inside.PreemptFromIRQ
			if m == kernel.PreemptFull && (atEnable > 1 || atEnable == 0 && onIRQ == 0) {
				t.Errorf("preempt=full: the pending preemption did not happen when preemption came back on (%d at preempt_enable(), %d on interrupt return)",
					atEnable, onIRQ)
			}
			if m == kernel.PreemptFull && atEnable == 0 {
				t.Logf("preempt=full: a tick between the count's drop and the need_resched check took the preemption")
			}
			if r.after.MaxPreemptOff < uint64(350*time.Millisecond) {
				t.Errorf("longest preempt-off section %v, want at least the spin's %v", time.Duration(r.after.MaxPreemptOff), r.spun)
			}
		})
	}
}

func TestEnableNoReschedLeavesNeedResched(t *testing.T) {
	var rounds atomic.Uint64
	busy := busyOnCPU0(&rounds)
	defer kernel.KthreadStop(busy)
	ktest.InKthread(t, "noresched", func(k *kernel.Kthread) {
		k.Bind(0)
		me := k.Task()
		st := &me.Stats
		// Once the count is back at zero the Go runtime may, at any
		// function call, park this thread to run another goroutine
		// (its own preemption, after 10 ms): a voluntary schedule()
		// that consumes need_resched. So may an interrupt's return,
		// which preempts a task whose count is zero with need_resched
		// set. A round where either happened before
		// preempt_check_resched() shows nothing about it and is tried
		// again. So is a round in which busy was not runnable (parked
		// by the Go runtime in the same way) when preemption went off:
		// no tick would ask for a reschedule.
		for round, void := 1, 0; ; {
			if void == maxAttempts {
				t.Fatalf("in %d attempts busy was never runnable when preemption went off", void)
			}
			if !waitAdvance(&rounds) {
				t.Fatalf("the busy kthread did not run within %v", counterWait)
			}
			kernel.PreemptDisable()
			if busy.Task().State != kernel.TASK_RUNNING {
				kernel.PreemptEnable()
				void++
				continue
			}
			// The tick asks for a reschedule once the slice is used up.
			// Spin on until this task is also ahead of busy in virtual
			// time, so that schedule() must switch (a need_resched from
			// the slice alone may find this task still the one most
			// behind, having slept while busy ran, and schedule() then
			// rightly picks it again, which is no switch). busy is
			// queued on CPU 0 and cannot run meanwhile.
			needed := uint64(max(me.Slice, 0)) + 2
			t0 := st.Ticks
			limit := amd64.Rdtsc() + uint64(spinLimit.Seconds()*float64(kernel.TSCFrequency()))
			ahead := func() bool {
				return int64(kernel.FairStatsOf(me).Vruntime-kernel.FairStatsOf(busy.Task()).Vruntime) > 0
			}
			for !(kernel.NeedResched() && st.Ticks-t0 >= needed && ahead()) && amd64.Rdtsc() < limit {
			}
			if !kernel.NeedResched() {
				kernel.PreemptEnable()
				t.Fatalf("need_resched not set after %d ticks (%d needed) with another task runnable", st.Ticks-t0, needed)
			}
			if !ahead() {
				kernel.PreemptEnable()
				t.Fatalf("after %d ticks of spinning this task is not ahead of busy in virtual time", st.Ticks-t0)
			}
			flags := kernel.LocalIrqSave() // no tick may preempt us below
			before := me.Stats
			kernel.PreemptEnableNoResched()
			still := kernel.NeedResched()
			after := me.Stats
			kernel.LocalIrqRestore(flags)
			if after.Voluntary != before.Voluntary && round < 5 {
				round++
				continue
			}
			if !still || after.Involuntary != before.Involuntary {
				t.Errorf("preempt_enable_no_resched() acted on need_resched")
			}
			kernel.PreemptCheckResched()
			final := me.Stats
			if final.PreemptFromEnable == after.PreemptFromEnable {
				// preempt_schedule()'s own schedule() did not switch.
				if (final.Voluntary != after.Voluntary || final.PreemptFromIRQ != after.PreemptFromIRQ) && round < 5 {
					round++
					continue // the runtime's park or an interrupt's return took need_resched first
				}
				t.Errorf("preempt_check_resched() did not preempt (switches since preempt_enable_no_resched(): %d voluntary, %d on interrupt return)",
					final.Voluntary-after.Voluntary, final.PreemptFromIRQ-after.PreemptFromIRQ)
			}
			return
		}
	})
}

func TestHardirqBitsInTimerHandler(t *testing.T) {
	var hard, inInt atomic.Uint32
	var seen atomic.Bool
	kernel.TickHook = func() {
		hard.Store(kernel.PreemptCount() & kernel.HARDIRQ_MASK)
		if kernel.InInterrupt() && kernel.InIRQ() {
			inInt.Store(1)
		}
		seen.Store(true)
	}
	for !seen.Load() {
		time.Sleep(5 * time.Millisecond)
	}
	kernel.TickHook = nil
	if hard.Load() != kernel.HARDIRQ_OFFSET {
		t.Errorf("hardirq bits in the timer handler: %#x, want %#x", hard.Load(), kernel.HARDIRQ_OFFSET)
	}
	if inInt.Load() != 1 {
		t.Errorf("in_interrupt()/in_irq() false in the timer handler")
	}
	ktest.InKthread(t, "taskctx", func(k *kernel.Kthread) {
		if kernel.InInterrupt() || kernel.InIRQ() {
			t.Errorf("in_interrupt() true in task context")
		}
	})
}

// The PREEMPT_ACTIVE case: the waker makes the condition true and wakes
// the sleeper, often before the sleeper has even set TASK_INTERRUPTIBLE;
// the sleeper is preempted, often, between set_current_state and its
// check. If schedule() dequeued a preempted task whose state is not
// running, one of these iterations would sleep forever.
func TestPreemptedSleeperIsNotLost(t *testing.T) {
	const iterations = 400
	var round atomic.Int64
	var sleeper atomic.Pointer[kernel.Task]
	s := kernel.KthreadRun("sleeper", func(k *kernel.Kthread) {
		k.Bind(0) // sleeper and waker share CPU 0, so the sleeper is preempted
		sleeper.Store(k.Task())
		for i := int64(1); i <= iterations; i++ {
			kernel.SetCurrentState(kernel.TASK_INTERRUPTIBLE)
			ktest.Spin(time.Duration(i%5) * time.Millisecond) // a window for the tick
			if round.Load() < i {
				kernel.Schedule()
			}
			kernel.SetCurrentState(kernel.TASK_RUNNING)
			for round.Load() < i { // woken early: wait for our round
				kernel.Schedule()
			}
		}
	})
	w := kernel.KthreadRun("waker", func(k *kernel.Kthread) {
		k.Bind(0)
		for i := int64(1); i <= iterations && !k.ShouldStop(); i++ {
			round.Store(i)
			for sleeper.Load() == nil {
			}
			kernel.WakeUpProcess(sleeper.Load())
			ktest.Spin(time.Duration(i%3) * time.Millisecond)
			kernel.WakeUpProcess(sleeper.Load())
		}
	})
	select {
	case <-s.Done():
	case <-time.After(90 * time.Second):
		t.Fatalf("the sleeper was lost at round %d of %d", round.Load(), iterations)
	}
	kernel.KthreadStop(w)
	st := s.Stats()
	t.Logf("sleeper: %d involuntary, %d voluntary switches", st.Involuntary, st.Voluntary)
	if st.Involuntary == 0 {
		t.Errorf("the sleeper was never preempted: the test did not exercise the PREEMPT_ACTIVE path")
	}
}
