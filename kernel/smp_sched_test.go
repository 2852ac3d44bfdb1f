package kernel_test

// The scheduler across CPUs (issue 4, part 3): a task woken from another
// CPU runs on the CPU it is bound to, and an idle CPU pulls work from a
// busy one. That the wake-up reaches its CPU by IPI is
// TestCrossCPUWakeupOfIdleCPUIsByIPI's to show (wakeup_ipi_test.go). On
// one CPU these skip.

import (
	"sync/atomic"
	"testing"
	"time"

	"gopreempt/arch/amd64"
	"gopreempt/internal/ktest"
	"gopreempt/kernel"
	"gopreempt/percpu"
)

// A task woken by another CPU is queued on its own CPU and runs there:
// the sleeper here (nice -5, bound to CPU 1) is woken 20 times from CPU 0
// and must run each time, on CPU 1. The reschedule IPIs CPU 1 took are
// logged, not judged: NO_HZ's balancer kicks are reschedule IPIs too, so
// their count would pass without a single wake-up IPI (the IPI itself is
// TestCrossCPUWakeupOfIdleCPUIsByIPI's, which turns NO_HZ off).
func TestWakeupFromAnotherCPURunsOnItsCPU(t *testing.T) {
	needCPUs(t, 2)
	const rounds = 20
	var wq kernel.WaitQueue
	var posted, seen, elsewhere atomic.Int32
	sleeper := kernel.KthreadRunNice("sleeper", -5, func(k *kernel.Kthread) {
		k.Bind(1)
		for i := int32(1); i <= rounds && !k.ShouldStop(); i++ {
			wq.WaitEvent(func() bool { return posted.Load() >= i || k.ShouldStop() })
			if percpu.RawSmpProcessorID() != 1 {
				elsewhere.Add(1)
			}
			seen.Store(i)
		}
	})
	defer kernel.KthreadStop(sleeper)
	before := kernel.CPUStatsOf(1).ReschedIPIs
	ktest.InKthread(t, "waker", func(k *kernel.Kthread) {
		k.Bind(0)
		for i := int32(1); i <= rounds; i++ {
			// Precondition: the sleeper is back asleep. A fixed
			// pause is too short whenever the host starves QEMU.
			deadline := time.Now().Add(10 * time.Second)
			for sleeper.Task().State != kernel.TASK_INTERRUPTIBLE {
				if time.Now().After(deadline) {
					t.Errorf("round %d: the sleeper on CPU 1 did not go back to sleep within 10 s", i)
					return
				}
				kernel.Msleep(1)
			}
			kernel.Msleep(1) // and, mostly, off its CPU
			posted.Store(i)
			wq.WakeUp()
			deadline = time.Now().Add(10 * time.Second)
			for seen.Load() < i {
				if time.Now().After(deadline) {
					t.Errorf("wake-up %d: the sleeper on CPU 1 did not run within 10 s", i)
					return
				}
				kernel.Msleep(1)
			}
		}
	})
	ipis := kernel.CPUStatsOf(1).ReschedIPIs - before
	t.Logf("%d wake-ups from CPU 0, %d reschedule IPIs taken by CPU 1", rounds, ipis)
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the sleeper bound to CPU 1 ran %d times elsewhere", n)
	}
}

// Tasks that are all queued on CPU 0 but allowed everywhere are spread
// by load balancing: the idle CPUs pull them, and the tasks go on to run
// on other CPUs.
func TestLoadBalancePullsWork(t *testing.T) {
	needCPUs(t, 2)
	n := 2 * kernel.OnlineCPUs()
	var pulledBefore uint64
	for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
		pulledBefore += kernel.CPUStatsOf(cpu).Pulled
	}
	var ready, movedOff atomic.Int32
	var start atomic.Bool
	ks := make([]*kernel.Kthread, n)
	for i := range ks {
		ks[i] = kernel.KthreadRun("crowd", func(k *kernel.Kthread) {
			k.Bind(0)
			ready.Add(1)
			for !start.Load() {
				ktest.Spin(time.Millisecond)
			}
			// Allowed everywhere again, but still queued on CPU 0:
			// nothing moves it except balancing (it never sleeps on
			// purpose, so wake-up placement has little to do).
			kernel.SetCPUsAllowed(k.Task(), 0)
			// Balancing runs on idle CPUs and every 16th tick: the
			// crowd spins for 500 ms, and on, up to 20 s, until one
			// of them has run elsewhere (ticks go missing on a busy
			// host, so 500 ms need not hold 16 of them).
			t0 := time.Now()
			off := false
			for !k.ShouldStop() {
				since := time.Since(t0)
				if since > 20*time.Second || since > 500*time.Millisecond && movedOff.Load() > 0 {
					break
				}
				ktest.Spin(time.Millisecond)
				if !off && percpu.RawSmpProcessorID() != 0 {
					off = true
					movedOff.Add(1)
				}
			}
		})
	}
	for ready.Load() < int32(n) {
		time.Sleep(time.Millisecond)
	}
	start.Store(true)
	for _, k := range ks {
		select {
		case <-k.Done():
		case <-time.After(60 * time.Second):
			t.Fatalf("crowd kthread did not finish within 60 s")
		}
	}
	var pulled uint64
	for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
		pulled += kernel.CPUStatsOf(cpu).Pulled
	}
	pulled -= pulledBefore
	t.Logf("%d kthreads started on CPU 0: %d ran on another CPU; %d tasks pulled by load balancing",
		n, movedOff.Load(), pulled)
	if pulled == 0 {
		t.Errorf("no task was pulled from CPU 0 by load balancing")
	}
	if movedOff.Load() == 0 {
		t.Errorf("all %d kthreads stayed on CPU 0 with %d CPUs idle", n, kernel.OnlineCPUs()-1)
	}
}

// An idle CPU pulls the one task that waits behind another CPU's running
// task. A hog with preemption disabled holds the last CPU, a victim
// allowed everywhere waits on that CPU's queue, and the other CPUs are
// idle: only load balancing can move the victim, and it must, since one
// CPU has two tasks and another none (Linux's idle balance pulls from a
// queue with nr_running > 1). Balancing once counted only waiting tasks
// and needed two more there than here, so the victim waited until the
// hog gave up.
func TestIdleCPUPullsTheTaskWaitingBehindARunningOne(t *testing.T) {
	needCPUs(t, 2)
	c := kernel.OnlineCPUs() - 1
	var hogRunning, victimMoved atomic.Bool
	var movedTo atomic.Int32
	victim := kernel.KthreadRun("victim", func(k *kernel.Kthread) {
		k.Bind(c)
		for !k.ShouldStop() {
			ktest.Spin(100 * time.Microsecond)
			if cpu := percpu.RawSmpProcessorID(); hogRunning.Load() && cpu != c {
				movedTo.Store(int32(cpu))
				victimMoved.Store(true)
				return
			}
		}
	})
	defer kernel.KthreadStop(victim)
	var pulledBefore uint64
	for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
		pulledBefore += kernel.CPUStatsOf(cpu).Pulled
	}
	var queuedBehind, movedWhileHeld bool
	ktest.InKthread(t, "hog", func(k *kernel.Kthread) {
		defer blockPreemptSignal()()
		k.Bind(c) // the victim is preempted for the woken hog, or yields at its tick
		kernel.PreemptDisable()
		// Now only this runs on c. The victim waits on c's queue,
		// runnable, or is parked by the Go runtime, and then is
		// queued on c when its thread is woken: wait for that. From
		// then on it is allowed everywhere.
		second := uint64(kernel.TSCFrequency())
		start := amd64.Rdtsc()
		for victim.Task().State != kernel.TASK_RUNNING && amd64.Rdtsc()-start < 5*second {
		}
		queuedBehind = victim.Task().State == kernel.TASK_RUNNING && !victimMoved.Load()
		kernel.SetCPUsAllowed(victim.Task(), 0)
		hogRunning.Store(true)
		start = amd64.Rdtsc()
		for queuedBehind && !victimMoved.Load() && amd64.Rdtsc()-start < 10*second { // far below the stall limit
		}
		movedWhileHeld = victimMoved.Load()
		kernel.PreemptEnable()
	})
	var pulled uint64
	for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
		pulled += kernel.CPUStatsOf(cpu).Pulled
	}
	if !queuedBehind {
		t.Fatalf("precondition: the victim was not waiting on cpu %d when the hog took it", c)
	}
	if !movedWhileHeld {
		t.Fatalf("the victim waited on busy cpu %d for 10 s while %d CPUs idled", c, kernel.OnlineCPUs()-1)
	}
	t.Logf("the victim was pulled to cpu %d; %d tasks pulled by balancing meanwhile", movedTo.Load(), pulled-pulledBefore)
	if pulled == pulledBefore {
		t.Errorf("the victim moved to cpu %d, but no CPU counted a pull", movedTo.Load())
	}
}
