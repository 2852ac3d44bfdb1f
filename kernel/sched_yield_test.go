package kernel_test

// sched_yield() next to a task far ahead in virtual time, on real
// kthreads: the case of the stall that a one-CPU run of this package hit
// twice ("pid 2 init runnable on cpu0 for 61 s and not run", a Go
// runtime thread spinning in casgstatus and osyield, six runnable tasks
// never picked; docs/sched.md). runqueue_test.go checks the same
// invariants on a queue of its own.

import (
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	_ "unsafe" // for go:linkname

	"gopreempt/internal/ktest"
	"gopreempt/kernel"
)

// The runtime's own pin (pin_test.go): a pinned goroutine is not
// preempted by the Go runtime, whose preemption of a goroutine that has
// run 10 ms parks its locked thread: a sleep, which would let the others
// run whatever the scheduler did.
//
//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// A task spinning on sched_yield(), as the runtime's osyield() does in
// casgstatus, must let the tasks it wakes run within a bounded number
// of its yields, even when another runnable task is seconds ahead in
// virtual time. All on CPU 0: "ahead" (nice 19) runs 100 ms with
// preemption off while the yielder waits runnable, which charges it
// 6.8 s of virtual time, and stays runnable; six kthreads sleep; the yielder yields, wakes the six, and
// yields on until each has run, alternating the system call and the
// kernel's own yield (schedule() with the task still running), counting
// its yields. The woken tasks are placed at most sched_latency/2 behind
// min_vruntime and the yielder is no further behind it, so each is
// picked within a few yields. (Before the fix, each pick of the yielder
// with "ahead" the only other task queued moved min_vruntime to
// "ahead"; the woken tasks were placed there, 6.8 s ahead of the
// yielder, which was picked again on every yield until it had run that
// off.)
func TestYieldLetsWokenTasksRun(t *testing.T) {
	const nWoken = 6
	const maxYields = 500
	// "ahead" spins when asked (start) and counts its spins (spun).
	// Every wait here has a Go preemption point (ShouldStop): a busy
	// wait without one, SIGURG blocked, would hold a stop-the-world of
	// the runtime, which would stop the goroutine it waits for.
	var start atomic.Bool
	var spun atomic.Uint64
	ahead := kernel.KthreadRunNice("ahead", 19, func(k *kernel.Kthread) {
		k.Bind(0)
		blockPreemptSignal() // runnable at every pick: never parked by the runtime's SIGURG
		for !k.ShouldStop() {
			if start.Load() {
				kernel.PreemptDisable()
				ktest.Spin(100 * time.Millisecond)
				kernel.PreemptEnable()
				start.Store(false)
				spun.Add(1)
			}
		}
	})
	defer kernel.KthreadStop(ahead)
	woken := make([]*kernel.Kthread, nWoken)
	for i := range woken {
		woken[i] = kernel.KthreadRun("woken", func(k *kernel.Kthread) {
			k.Bind(0)
			for {
				kernel.SetCurrentState(kernel.TASK_INTERRUPTIBLE)
				if k.ShouldStop() {
					kernel.SetCurrentState(kernel.TASK_RUNNING)
					return
				}
				kernel.Schedule()
			}
		})
	}
	defer func() {
		for _, k := range woken {
			kernel.KthreadStop(k)
		}
	}()
	// asleep: every woken task sleeps in its own schedule() call, not
	// in the runtime's futex on its way there.
	asleep := func() bool {
		for _, k := range woken {
			if k.Task().State != kernel.TASK_INTERRUPTIBLE || k.Task().InSyscall() != 500 {
				return false
			}
		}
		return true
	}
	ran := func() bool {
		for _, k := range woken {
			if st := kernel.FairStatsOf(k.Task()); st.WakeRun < st.LastWakeup {
				return false
			}
		}
		return true
	}
	yield := func(i int) {
		if i%2 == 0 {
			syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0)
		} else {
			kernel.SetCurrentState(kernel.TASK_RUNNING)
			kernel.Schedule()
		}
	}

	// aheadLead is how far "ahead" is ahead of the yielder, me (both
	// on CPU 0's clock). Not of min_vruntime: the bug moved that.
	aheadLead := func(me *kernel.Task) time.Duration {
		return time.Duration(int64(kernel.FairStatsOf(ahead.Task()).Vruntime - kernel.FairStatsOf(me).Vruntime))
	}
	var problem string
	var yields, voids int
	var lead time.Duration
	var why [10][3]int
	ktest.InKthread(t, "yielder", func(k *kernel.Kthread) {
		k.Bind(0)
		restore := blockPreemptSignal()
		defer restore()
		me := k.Task()
		for voids = 0; voids < 10; voids++ {
			deadline := time.Now().Add(counterWait)
			for !asleep() {
				if time.Now().After(deadline) {
					problem = "the six did not sleep within " + counterWait.String()
					return
				}
				time.Sleep(time.Millisecond)
			}
			// The yielder stays runnable while "ahead" spins, so
			// that min_vruntime stays with it and "ahead" gets
			// ahead (alone on the CPU, min_vruntime would follow
			// it). Pinned, the Go runtime does not park the yielder;
			// it waits at most 5 s, since a stop-the-world, which
			// waits for it now, may have stopped "ahead" before it
			// spun. Once ahead, "ahead" stays ahead (it runs again
			// when the others have caught up) and does not spin
			// again. The yields are made pinned too; anything that
			// still made the yielder sleep makes the attempt void.
			slept := me.Stats.Wakeups
			procPin()
			if lead = aheadLead(me); lead < time.Second {
				n0 := spun.Load()
				start.Store(true)
				for t0 := time.Now(); spun.Load() == n0 && time.Since(t0) < 5*time.Second; {
				}
				if lead = aheadLead(me); lead < time.Second {
					start.Store(false)
					procUnpin()
					continue
				}
			}
			for i := range 50 {
				yield(i)
			}
			all := true
			for _, w := range woken {
				all = kernel.WakeUpProcess(w.Task()) && all
			}
			n := 0
			for ; n < maxYields && !ran(); n++ {
				yield(n)
			}
			procUnpin()
			if all && me.Stats.Wakeups == slept {
				yields = n
				return
			}
			why[voids] = [3]int{n, int(me.Stats.Wakeups - slept), map[bool]int{true: 1}[all]}
		}
		problem = "every attempt void: the far-ahead task was not ahead (last " + lead.String() +
			"), the yielder slept, or a task was not asleep when woken"
	})
	if voids > 0 {
		t.Logf("void attempts (yields, the yielder's wake-ups, all woken): %v", why[:voids])
	}
	if problem != "" {
		t.Fatal(problem)
	}
	if yields == maxYields {
		t.Fatalf("the yielder yielded %d times and the %d tasks it woke had not all run (a task %v ahead in virtual time is queued)",
			maxYields, nWoken, lead)
	}
	t.Logf("the %d woken tasks ran within %d yields (%d attempts void; the far-ahead task %v ahead)", nWoken, yields, voids, lead)
}
