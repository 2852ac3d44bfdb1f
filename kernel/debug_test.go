package kernel_test

// Each debug check fires on code that breaks its rule and stays silent
// on code that keeps it.

import (
	"sync/atomic"
	"testing"
	"time"

	"gopreempt/internal/ktest"
	"gopreempt/kernel"
)

// expectBug runs fn and checks the reports of kind k it caused: none
// when want is 0, at least want otherwise. More than one is possible
// after a deliberate sleep in atomic context made through a system call:
// if the Go runtime gave the thread's P away meanwhile, its way back
// (exitsyscall) may sleep again, and that sleep is in atomic context too.
func expectBug(t *testing.T, k kernel.BugKind, want uint64, what string, fn func()) {
	t.Helper()
	switch got := kernel.ExpectBugs(k, fn); {
	case want == 0 && got != 0:
		t.Errorf("%s: %q reported %d times, want none", what, k, got)
	case got < want:
		t.Errorf("%s: %q reported %d times, want at least %d", what, k, got, want)
	}
}

func TestBugSchedulingWhileAtomic(t *testing.T) {
	ktest.InKthread(t, "atomic-sched", func(k *kernel.Kthread) {
		expectBug(t, kernel.BugSchedulingWhileAtomic, 1, "schedule() under preempt_disable()", func() {
			kernel.PreemptDisable()
			kernel.Schedule()
			kernel.PreemptEnable()
		})
		l := kernel.NewSpinLock("test")
		expectBug(t, kernel.BugSchedulingWhileAtomic, 1, "schedule() holding a spinlock", func() {
			l.Lock()
			kernel.Schedule()
			l.Unlock()
		})
		expectBug(t, kernel.BugSchedulingWhileAtomic, 0, "schedule() with nothing held", func() {
			kernel.Schedule()
		})
	})
}

func TestBugSleepInAtomic(t *testing.T) {
	ktest.InKthread(t, "atomic-sleep", func(k *kernel.Kthread) {
		expectBug(t, kernel.BugSleepInAtomic, 1, "msleep() under preempt_disable()", func() {
			kernel.PreemptDisable()
			kernel.Msleep(1)
			kernel.PreemptEnable()
		})
		expectBug(t, kernel.BugSleepInAtomic, 1, "might_sleep() with interrupts off", func() {
			f := kernel.LocalIrqSave()
			kernel.MightSleep()
			kernel.LocalIrqRestore(f)
		})
		var m kernel.Mutex
		l := kernel.NewSpinLock("test")
		expectBug(t, kernel.BugSleepInAtomic, 1, "mutex_lock() holding a spinlock", func() {
			l.Lock()
			m.Lock()
			m.Unlock() //lint:ignore SA2001 taking the mutex is the test
			l.Unlock()
		})
		expectBug(t, kernel.BugSleepInAtomic, 0, "msleep() and mutex in task context", func() {
			kernel.Msleep(1)
			m.Lock()
			kernel.Msleep(1)
			m.Unlock()
		})
	})
}

func TestBugScheduleWithIRQsOff(t *testing.T) {
	ktest.InKthread(t, "irqs-off", func(k *kernel.Kthread) {
		expectBug(t, kernel.BugScheduleIRQsOff, 1, "schedule() with interrupts off", func() {
			f := kernel.LocalIrqSave()
			kernel.ScheduleOnKernelStack()
			kernel.LocalIrqRestore(f)
		})
		expectBug(t, kernel.BugScheduleIRQsOff, 0, "schedule() with interrupts on", func() {
			kernel.ScheduleOnKernelStack()
		})
	})
}

func TestBugUnbalancedKthreadExit(t *testing.T) {
	var k *kernel.Kthread
	n := kernel.ExpectBugs(kernel.BugUnbalancedKthreadExit, func() {
		k = kernel.KthreadRun("leaky", func(k *kernel.Kthread) {
			kernel.PreemptDisable()
		})
		<-k.Done()
	})
	if n != 1 {
		t.Errorf("a kthread returning with preemption disabled was reported %d times", n)
	}
	if k.ExitPreemptCount()&kernel.PREEMPT_MASK != 1 {
		t.Errorf("exit preempt_count %#x", k.ExitPreemptCount())
	}
	n = kernel.ExpectBugs(kernel.BugUnbalancedKthreadExit, func() {
		<-kernel.KthreadRun("tidy", func(k *kernel.Kthread) {
			kernel.PreemptDisable()
			kernel.PreemptEnable()
		}).Done()
	})
	if n != 0 {
		t.Errorf("a balanced kthread was reported")
	}
}

// Seed text 002, rule 3: a lock acquired in one task must be released by
// the same task.
func TestBugWrongOwnerUnlock(t *testing.T) {
	l := kernel.NewSpinLock("shared")
	var m kernel.Mutex
	locked := make(chan struct{})
	n := kernel.ExpectBugs(kernel.BugWrongOwnerUnlock, func() {
		a := kernel.KthreadRun("taker", func(k *kernel.Kthread) {
			m.Lock()
			l.Lock()
			// Hand the held lock to another task: the bug under test.
			// Preemption stays disabled here (count 1) until B unlocks,
			// so the count is balanced by hand afterwards.
			kernel.PreemptEnableNoResched()
			close(locked)
		})
		<-a.Done()
		<-locked
		b := kernel.KthreadRun("releaser", func(k *kernel.Kthread) {
			kernel.PreemptDisable() // what l.Lock() would have added in this task
			l.Unlock()
			m.Unlock()
		})
		<-b.Done()
	})
	if n != 2 {
		t.Errorf("release by another task reported %d times, want 2 (spinlock and mutex)", n)
	}
	n = kernel.ExpectBugs(kernel.BugWrongOwnerUnlock, func() {
		ktest.InKthread(t, "owner", func(k *kernel.Kthread) {
			l.Lock()
			l.Unlock() //lint:ignore SA2001 the owner's own lock and unlock are the test
			m.Lock()
			m.Unlock() //lint:ignore SA2001 the owner's own lock and unlock are the test
		})
	})
	if n != 0 {
		t.Errorf("release by the owner reported %d times", n)
	}
}

// A spinlock keeps the holder from being preempted, and the preemption
// that became due happens at spin_unlock (inside preempt_enable). The
// lock is taken only with busy runnable on CPU 0, and held until a time
// slice of ticks has arrived (spin_round_test.go); an attempt in which the
// Go runtime had parked busy's thread is void and made again.
func TestSpinlockDisablesPreemption(t *testing.T) {
	var rounds atomic.Uint64
	busy := busyOnCPU0(&rounds)
	defer kernel.KthreadStop(busy)
	l := kernel.NewSpinLock("held")
	ktest.InKthread(t, "holder", func(k *kernel.Kthread) {
		k.Bind(0)
		me := k.Task()
		for void := 0; ; void++ {
			if void == maxAttempts {
				t.Fatalf("in %d attempts busy was never runnable when the lock was taken", void)
			}
			if !waitAdvance(&rounds) {
				t.Fatalf("the busy kthread did not run within %v", counterWait)
			}
			l.Lock()
			if busy.Task().State != kernel.TASK_RUNNING {
				l.Unlock()
				continue
			}
			if kernel.PreemptCount()&kernel.PREEMPT_MASK != 1 {
				t.Errorf("spin_lock: preempt_count %#x", kernel.PreemptCount())
			}
			before := me.Stats.Involuntary
			needed, ticks, spun := spinHeld(me, 300*time.Millisecond, 2)
			preempted := me.Stats.Involuntary - before
			due := kernel.NeedResched()
			at := me.Stats
			l.Unlock()
			end := me.Stats
			fromEnable := at.PreemptFromEnable
			if ticks < needed {
				t.Fatalf("only %d of the %d ticks needed arrived while holding the lock for %v: the host starves QEMU's timer", ticks, needed, spun)
			}
			if preempted != 0 {
				t.Errorf("preempted %d times while holding a spinlock (%d ticks)", preempted, ticks)
			}
			if !due {
				t.Errorf("need_resched not set after %d ticks (%d needed) with busy runnable", ticks, needed)
			}
			// spin_unlock()'s preempt_enable() lowers the count before
			// preempt_schedule() sets PREEMPT_ACTIVE: a tick in between
			// preempts on its interrupt return instead, the same
			// preemption a few instructions early.
			if end.PreemptFromEnable == fromEnable && end.PreemptFromIRQ == at.PreemptFromIRQ {
				t.Errorf("the preemption due during the critical section did not happen at spin_unlock (across it: %d involuntary, %d voluntary switches, %d preemptions on interrupt return)",
					end.Involuntary-at.Involuntary, end.Voluntary-at.Voluntary, end.PreemptFromIRQ-at.PreemptFromIRQ)
			}
			return
		}
	})
}

// Wait queues and the sleeping mutex under contention.
func TestMutexAndWaitQueue(t *testing.T) {
	var m kernel.Mutex
	var wq kernel.WaitQueue
	var shared, finished int
	const workers, rounds = 4, 200
	var done [workers]*kernel.Kthread
	for i := range done {
		done[i] = kernel.KthreadRun("worker", func(k *kernel.Kthread) {
			for j := 0; j < rounds; j++ {
				m.Lock()
				v := shared
				ktest.Spin(20 * time.Microsecond) // a window for preemption inside the lock
				shared = v + 1
				m.Unlock()
			}
			m.Lock()
			finished++
			m.Unlock()
			wq.WakeUp()
		})
	}
	ktest.InKthread(t, "waiter", func(k *kernel.Kthread) {
		wq.WaitEvent(func() bool {
			m.Lock()
			defer m.Unlock()
			return finished == workers
		})
	})
	for _, k := range done {
		<-k.Done()
	}
	if shared != workers*rounds {
		t.Fatalf("mutex lost updates: %d, want %d", shared, workers*rounds)
	}
}

func TestCondReschedYields(t *testing.T) {
	busy := kernel.KthreadRun("busy", func(k *kernel.Kthread) {
		k.Bind(0)
		for !k.ShouldStop() {
			kernel.CondResched()
		}
	})
	defer kernel.KthreadStop(busy)
	ktest.WithModel(kernel.PreemptNone, func() {
		ktest.InKthread(t, "polite", func(k *kernel.Kthread) {
			k.Bind(0)
			// Bounded by the ticks that found this task running (ten
			// time slices, at most 60 s), not by wall time: a starved
			// QEMU delivers fewer ticks than the clock says are due.
			st := &k.Task().Stats
			t0, slices := st.Ticks, 10*sliceTicks()
			yielded := false
			end := kernel.Nanotime() + uint64(60*time.Second)
			for !yielded && st.Ticks-t0 < slices && kernel.Nanotime() < end {
				yielded = kernel.CondResched()
			}
			if !yielded {
				t.Errorf("cond_resched() never rescheduled in %d ticks with another task runnable", st.Ticks-t0)
			}
		})
	})
}
