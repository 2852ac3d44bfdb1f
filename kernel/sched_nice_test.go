package kernel_test

// Nice changes and the fair scheduler's clock: a task whose nice value
// changes keeps its distance from min_vruntime in real time (SetNice,
// reweightTask in sched_fair.go), and the run queue stays consistent
// (kernel.CheckFairRQ).

import (
	"sync/atomic"
	"testing"
	"time"

	"gopreempt/internal/ktest"
	"gopreempt/kernel"
)

// A kthread next to a busy one on CPU 0 runs 20 ms at nice 0 that no
// tick has charged, goes to nice 19, is charged, and goes back to nice
// 0, all with interrupts off, so that the kernel charges it exactly
// where the test says. The 20 ms were run at nice 0: afterwards the
// kthread may be ahead of min_vruntime by at most what it was before
// plus the time it ran. Charged at nice 19's weight instead (68 times
// real time) and kept on the way back to nice 0, they would put it more
// than a second ahead, a second the busy kthread would have to run
// before it ran again; a thread that spent a second of a loaded host's
// stall at nice 19 would starve for a minute (the stall detector's
// "runnable, not run"). After it, the kthread sleeps 1 ms and must run
// again within a bounded number of CPU 0's ticks: ticks a starved host
// loses only make the count smaller.
func TestNiceChangeKeepsLagInRealTime(t *testing.T) {
	var rounds atomic.Uint64
	busy := busyOnCPU0(&rounds)
	defer kernel.KthreadStop(busy)
	const run = 20 * time.Millisecond
	var before, after kernel.FairStats
	var inv string
	var void int
	var t0, waited uint64
	ok := false
	ktest.InKthread(t, "renice", func(k *kernel.Kthread) {
		defer blockPreemptSignal()()
		k.Bind(0)
		me := k.Task()
		for attempt := 0; attempt < 20 && !ok; attempt++ {
			if !waitAdvance(&rounds) {
				return
			}
			kernel.PreemptDisable()
			fl := kernel.LocalIrqSave()
			// The busy kthread must be queued here, so that it, not
			// this task, holds min_vruntime back: bound to CPU 0,
			// it stays queued while this CPU takes no interrupt.
			if busy.Task().Queued() {
				kernel.ChargeCurrent()
				before = kernel.FairStatsOf(me)
				ktest.Spin(run)
				kernel.SetNice(me, 19)
				kernel.ChargeCurrent()
				kernel.SetNice(me, 0)
				after = kernel.FairStatsOf(me)
				inv = kernel.CheckFairRQ(0, 0, 0)
				t0 = kernel.CPUStatsOf(0).Ticks
				ok = true
			} else {
				void++ // the runtime parked it
			}
			kernel.LocalIrqRestore(fl)
			kernel.PreemptEnable()
		}
		if ok {
			// Then the kthread is preempted (or not), sleeps and
			// wakes next to the busy one, which never enters the
			// kernel: it must be back within the ticks its lead and
			// a few slices take.
			kernel.Msleep(1)
			waited = kernel.CPUStatsOf(0).Ticks - t0
		}
	})
	if void > 0 {
		t.Logf("%d attempts void: the busy kthread was not queued", void)
	}
	if !ok {
		t.Fatal("the busy kthread was never queued on CPU 0 next to the test's kthread")
	}
	if inv != "" {
		t.Errorf("run queue after the nice changes: %s", inv)
	}
	ran := after.SumExec - before.SumExec
	ahead0 := int64(before.Vruntime - before.MinVruntime)
	ahead1 := int64(after.Vruntime - after.MinVruntime)
	t.Logf("ran %v; ahead of min_vruntime %v before, %v after", time.Duration(ran), time.Duration(ahead0), time.Duration(ahead1))
	if ran < uint64(run) {
		t.Fatalf("charged %v for a %v spin", time.Duration(ran), run)
	}
	tick := kernel.TickPeriod()
	slice := (kernel.SchedLatency() + tick - 1) / tick
	lead := uint64(max(ahead0, 0)) + ran // what it may legitimately be ahead by
	if most := (lead+tick-1)/tick + 4*slice + 12; waited > most {
		t.Errorf("the kthread was back from its 1 ms sleep %d ticks after the nice changes, want at most %d", waited, most)
	}
	t.Logf("back from the sleep after %d ticks of CPU 0", waited)
	if limit := ahead0 + int64(ran) + int64(time.Millisecond); ahead1 > limit {
		t.Errorf("after the nice changes %v ahead of min_vruntime, want at most %v (%v before plus the %v run)",
			time.Duration(ahead1), time.Duration(limit), time.Duration(ahead0), time.Duration(ran))
	}
}
