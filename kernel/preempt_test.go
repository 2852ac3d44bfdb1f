package kernel_test

// Kernel-mode tests of the preemption model (issue: make the kernel
// preemptible). Each fails if the mechanism it names is broken.

import (
	"sync/atomic"
	"testing"
	"time"

	"gopreempt/arch/amd64"
	"gopreempt/irq"
	"gopreempt/kernel"
)

// inKthread runs fn on a kthread of its own and waits for it.
func inKthread(t *testing.T, name string, fn func(k *kernel.Kthread)) {
	t.Helper()
	k := kernel.KthreadRun(name, fn)
	select {
	case <-k.Done():
	case <-time.After(60 * time.Second):
		t.Fatalf("kthread %s did not finish within 60 s", name)
	}
}

func TestPreemptNesting(t *testing.T) {
	inKthread(t, "nesting", func(k *kernel.Kthread) {
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

// spin busy-waits for d without any system call, blocking operation or
// Go function prologue (so neither the kernel's voluntary paths nor the
// Go scheduler get a say): it reads the TSC directly.
func spin(d time.Duration) {
	ticks := uint64(d.Seconds() * float64(kernel.TSCFrequency()))
	start := amd64.Rdtsc()
	for amd64.Rdtsc()-start < ticks {
	}
}

// progressDuringSpin runs a CPU-bound kthread that spins for 400 ms
// (inside preempt_disable when disabled is set) next to a kthread that
// counts, and returns how far the counter advanced during the spin.
func progressDuringSpin(t *testing.T, disabled bool) (progress uint64, spinner kernel.TaskStats) {
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
	time.Sleep(20 * time.Millisecond)
	k := kernel.KthreadRun("spinner", func(k *kernel.Kthread) {
		k.Bind(0)
		if disabled {
			kernel.PreemptDisable()
		}
		c0 := counter.Load()
		spin(400 * time.Millisecond)
		progress = counter.Load() - c0
		if disabled {
			kernel.PreemptEnable()
		}
	})
	select {
	case <-k.Done():
	case <-time.After(60 * time.Second):
		t.Fatalf("the spinner did not finish within 60 s")
	}
	return progress, k.Stats()
}

func withModel(m kernel.PreemptModel, fn func()) {
	old := kernel.Model
	kernel.Model = m
	defer func() { kernel.Model = old }()
	fn()
}

func TestTimerPreemptsSpinnerUnderFull(t *testing.T) {
	withModel(kernel.PreemptFull, func() {
		p, sp := progressDuringSpin(t, false)
		if p == 0 {
			t.Fatalf("preempt=full: the counter made no progress while another kthread spun for 400 ms")
		}
		if sp.PreemptFromIRQ == 0 {
			t.Errorf("the spinner was never preempted on interrupt return")
		}
		t.Logf("counter advanced %d during the spin; spinner preempted %d times from IRQ", p, sp.PreemptFromIRQ)
	})
}

func TestNoPreemptionUnderNone(t *testing.T) {
	withModel(kernel.PreemptNone, func() {
		p, sp := progressDuringSpin(t, false)
		if kernel.OnlineCPUs() == 1 && p != 0 {
			t.Fatalf("preempt=none: the counter advanced %d while the spinner held the only CPU", p)
		}
		if sp.PreemptFromIRQ != 0 {
			t.Errorf("preempt=none: %d preemptions from IRQ", sp.PreemptFromIRQ)
		}
	})
}

func TestPreemptDisabledSpinIsNotPreempted(t *testing.T) {
	for _, m := range []kernel.PreemptModel{kernel.PreemptNone, kernel.PreemptVoluntary, kernel.PreemptFull} {
		withModel(m, func() {
			p, sp := progressDuringSpin(t, true)
			if kernel.OnlineCPUs() == 1 && p != 0 {
				t.Errorf("model %d: the counter advanced %d during a preempt_disable()d spin", m, p)
			}
			if m == kernel.PreemptFull && sp.PreemptFromEnable == 0 {
				t.Errorf("preempt=full: the pending preemption did not happen at preempt_enable()")
			}
			if sp.MaxPreemptOff < uint64(350*time.Millisecond) {
				t.Errorf("longest preempt-off section %v, want about 400ms", time.Duration(sp.MaxPreemptOff))
			}
		})
	}
}

func TestEnableNoReschedLeavesNeedResched(t *testing.T) {
	busy := kernel.KthreadRun("busy", func(k *kernel.Kthread) {
		k.Bind(0)
		for !k.ShouldStop() {
		}
	})
	defer kernel.KthreadStop(busy)
	inKthread(t, "noresched", func(k *kernel.Kthread) {
		k.Bind(0)
		// Once the count is back at zero the Go runtime may, at any
		// function call, park this thread to run another goroutine
		// (its own preemption, after 10 ms): a voluntary schedule()
		// that consumes need_resched. A round where that happened
		// shows nothing about preempt_enable_no_resched() and is
		// tried again.
		for round := 1; ; round++ {
			kernel.PreemptDisable()
			deadline := kernel.Nanotime() + uint64(2*time.Second)
			for !kernel.NeedResched() && kernel.Nanotime() < deadline {
			}
			if !kernel.NeedResched() {
				kernel.PreemptEnable()
				t.Fatalf("need_resched never set within 2 s with another task runnable")
			}
			flags := irq.LocalIrqSave() // no tick may preempt us below
			before := k.Task().Stats
			kernel.PreemptEnableNoResched()
			still := kernel.NeedResched()
			after := k.Task().Stats
			irq.LocalIrqRestore(flags)
			if after.Voluntary != before.Voluntary && round < 5 {
				continue
			}
			if !still || after.Involuntary != before.Involuntary {
				t.Errorf("preempt_enable_no_resched() acted on need_resched")
			}
			kernel.PreemptCheckResched()
			final := k.Task().Stats
			if final.Involuntary == after.Involuntary {
				if final.Voluntary != after.Voluntary && round < 5 {
					continue // need_resched went to the runtime's park
				}
				t.Errorf("preempt_check_resched() did not preempt")
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
	inKthread(t, "taskctx", func(k *kernel.Kthread) {
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
			spin(time.Duration(i%5) * time.Millisecond) // a window for the tick
			if round.Load() < i {
				kernel.ScheduleFromTask()
			}
			kernel.SetCurrentState(kernel.TASK_RUNNING)
			for round.Load() < i { // woken early: wait for our round
				kernel.ScheduleFromTask()
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
			spin(time.Duration(i%3) * time.Millisecond)
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
