package kernel

import (
	"fmt"
	"math/bits"
	"sync/atomic"
	"unsafe"

	"gopreempt/internal/addr"
	"gopreempt/internal/rbtree"
)

// The fair scheduler: Linux's CFS as it was before Linux 6.6 replaced it
// with EEVDF (kernel/sched/fair.c of Linux 6.1; docs/sched.md says why
// this one).
//
// Every task has a virtual runtime, the CPU time it has had, weighted by
// its nice value: running delta_exec nanoseconds advances it by
// delta_exec * NICE_0_LOAD / weight (calcDeltaFair), with the weights of
// Linux's sched_prio_to_weight table, so each nice step is about 10% of
// CPU. Each run queue keeps its queued tasks in a red-black tree ordered
// by virtual runtime, and schedule() runs the leftmost: the task that is
// most behind. The running task is not in the tree (Linux's
// set_next_entity takes it out), and neither is the idle task, which runs
// only when the tree is empty.
//
// min_vruntime is the run queue's clock: the smallest virtual runtime
// among the running and queued tasks, never going back. A task that was
// away (asleep, on another CPU) has a virtual runtime that means nothing
// against this queue's, so:
//
//   - a waking task is placed at max(its own, min_vruntime - latency/2)
//     (place_entity with GENTLE_FAIR_SLEEPERS): a sleeper gets credit
//     for its sleep, but at most half a scheduling period, so sleeping
//     cannot bank CPU time;
//   - a new task starts at min_vruntime plus one virtual slice
//     (START_DEBIT): creating tasks does not buy CPU;
//   - a task that moves to another CPU keeps its distance from
//     min_vruntime (Linux subtracts the old queue's min_vruntime when the
//     task leaves and adds the new one's when it arrives; here se.rqCPU
//     remembers which queue the value is relative to, and enqueue
//     renormalises).
//
// Preemption. A woken task preempts the running one when it is behind by
// more than the wake-up granularity (check_preempt_wakeup: 1 ms,
// converted to the woken task's virtual time): it sets need_resched, and
// the preemption model decides where that is honoured (preempt.go,
// preempt_schedule.go). The tick preempts the running task once it has
// had its slice (check_preempt_tick): the scheduling period (6 ms, or
// 0.75 ms per task beyond eight) shared out by weight (sched_slice). The
// tunables are scaled by 1 + log2(CPUs), at most 8 CPUs counted, as
// Linux's SCHED_TUNABLESCALING_LOG.
//
// Slices are counted in ticks the tick has seen (Task.Slice), because the
// tick is the only place that can act on them: a slice shorter than a
// tick lasts one tick. Virtual runtime is counted in nanoseconds of
// Nanotime.
//
// Locking: everything here runs with the run queue's lock held and
// interrupts off; update_curr is also reached from the tick, in hardirq
// context. Interrupt context: no allocation, no heap pointer writes.
// min_vruntime is read without the lock by a CPU migrating a task away
// (renormalise), so it is stored atomically.

// schedEntity is a task's part in the fair scheduler (sched_entity).
type schedEntity struct {
	runNode      rbtree.Node // in the run queue's tree while queued
	vruntime     uint64      // relative to cpuRQ(rqCPU).minVruntime's clock
	execStart    uint64      // Nanotime when update_curr last charged it
	sumExec      uint64      // ns run in all
	prevSumExec  uint64      // sumExec when it was last picked
	weight       uint64      // its load weight while queued
	rqCPU        int32       // the queue whose clock vruntime is on; -1: detached, vruntime is a distance from a clock
	placed       bool        // has been on a run queue
	lastWakeup   uint64      // Nanotime of its last wake-up
	wakeRun      uint64      // Nanotime it was first switched in after it
	ranSinceWake bool
	wakeLag      int64 // min_vruntime - vruntime when last placed on wake-up
}

// NICE_0_LOAD is the weight of a nice-0 task.
const NICE_0_LOAD = 1024

// schedPrioToWeight is Linux's sched_prio_to_weight: nice -20 first.
// Each step is a factor of about 1.25.
var schedPrioToWeight = [40]uint64{
	88761, 71755, 56483, 46273, 36291,
	29154, 23254, 18705, 14949, 11916,
	9548, 7620, 6100, 4904, 3906,
	3121, 2501, 1991, 1586, 1277,
	1024, 820, 655, 526, 423,
	335, 272, 215, 172, 137,
	110, 87, 70, 56, 45,
	36, 29, 23, 18, 15,
}

// NiceToWeight is the load weight of nice value nice.
func NiceToWeight(nice int32) uint64 {
	return schedPrioToWeight[min(max(nice, -20), 19)+20]
}

// The tunables, unscaled (Linux's defaults).
const (
	schedLatencyBase   = 6_000_000 // sysctl_sched_latency
	minGranularityBase = 750_000   // sysctl_sched_min_granularity
	wakeupGranBase     = 1_000_000 // sysctl_sched_wakeup_granularity
	schedNrLatency     = schedLatencyBase / minGranularityBase
)

// Scheduler features, as in Linux's kernel/sched/features.h.
const (
	gentleFairSleepers = true
	startDebit         = true
)

// tunableFactor is 1 + ilog2(min(CPUs, 8)).
func tunableFactor() uint64 {
	return 1 + uint64(bits.Len(uint(min(OnlineCPUs(), 8)))-1)
}

func schedLatency() uint64   { return schedLatencyBase * tunableFactor() }
func minGranularity() uint64 { return minGranularityBase * tunableFactor() }
func wakeupGran() uint64     { return wakeupGranBase * tunableFactor() }

// SchedLatency is the scaled sched_latency in ns, for tests.
func SchedLatency() uint64 { return schedLatency() }

// taskOfNode is container_of for a run-queue node.
func taskOfNode(n *rbtree.Node) *Task {
	if n == nil {
		return nil
	}
	off := unsafe.Offsetof(Task{}.se) + unsafe.Offsetof(schedEntity{}.runNode)
	return (*Task)(addr.Ptr(uintptr(unsafe.Pointer(n)) - off))
}

// vruntimeBefore is entity_before: a's virtual runtime is less than b's,
// compared as Linux does so that wrapping around does not matter.
func vruntimeBefore(a, b *rbtree.Node) bool {
	return int64(taskOfNode(a).se.vruntime-taskOfNode(b).se.vruntime) < 0
}

// calcDeltaFair converts delta ns of real time into t's virtual time.
func calcDeltaFair(delta uint64, weight uint64) uint64 {
	if weight == NICE_0_LOAD {
		return delta
	}
	return delta * NICE_0_LOAD / weight
}

// schedPeriod is __sched_period: the time in which every one of nr
// runnable tasks should run once.
func schedPeriod(nr uint64) uint64 {
	if nr > schedNrLatency {
		return nr * minGranularity()
	}
	return schedLatency()
}

// fairTask reports whether t is scheduled by the fair class (all but the
// idle tasks).
func fairTask(t *Task) bool { return t != nil && t.kind != taskIdle }

// schedSlice is sched_slice for t, which runs (or is about to) and is
// not in the tree: its share of the period, by weight, among itself and
// the queued tasks. rq.lock is held.
func (rq *RunQueue) schedSlice(t *Task) uint64 {
	w := NiceToWeight(t.Nice)
	slice := schedPeriod(uint64(rq.nrRunning)+1) * w / (rq.load + w)
	return max(slice, minGranularity()) // BASE_SLICE
}

// schedVslice is sched_vslice for a new task t: its slice, in its
// virtual time, among the queued tasks, the running one and itself.
func (rq *RunQueue) schedVslice(t *Task) uint64 {
	w := NiceToWeight(t.Nice)
	load, nr := rq.load+w, uint64(rq.nrRunning)+1
	if c := rq.curr.ptr(); fairTask(c) && c != t && !c.onRQ {
		load += NiceToWeight(c.Nice)
		nr++
	}
	slice := max(schedPeriod(nr)*w/load, minGranularity())
	return calcDeltaFair(slice, w)
}

// sliceTicks converts a slice to ticks, at least one.
func sliceTicks(ns uint64) int32 {
	tick := uint64(1e9) / uint64(HZ)
	return int32(max((ns+tick-1)/tick, 1))
}

// sliceFor is the longest slice, in ticks, a task of the given nice value
// can get: the whole scheduling period (its slice once it is picked is
// set by setNextEntity, from what else is runnable).
func sliceFor(nice int32) int32 { return sliceTicks(schedLatency()) }

// updateCurr charges the running task for the time since it was last
// charged (update_curr). rq.lock is held.
func (rq *RunQueue) updateCurr() {
	curr := rq.curr.ptr()
	if !fairTask(curr) {
		return
	}
	now := Nanotime()
	if curr.se.execStart == 0 {
		// Running since before it was ever picked (the boot task): its
		// run time starts now, not at boot.
		curr.se.execStart = now
		return
	}
	if int64(now-curr.se.execStart) <= 0 {
		return
	}
	delta := now - curr.se.execStart
	curr.se.execStart = now
	curr.se.sumExec += delta
	curr.se.vruntime += calcDeltaFair(delta, NiceToWeight(curr.Nice))
	rq.updateMinVruntime()
}

// updateMinVruntime moves min_vruntime up to the smallest virtual runtime
// of the running and queued tasks. rq.lock is held.
func (rq *RunQueue) updateMinVruntime() {
	v := rq.minVruntime
	curr := rq.curr.ptr()
	haveCurr := fairTask(curr) && !curr.onRQ
	if haveCurr {
		v = curr.se.vruntime
	}
	if left := taskOfNode(rq.tasksTimeline.First()); left != nil {
		if !haveCurr || int64(left.se.vruntime-v) < 0 {
			v = left.se.vruntime
		}
	}
	if int64(v-rq.minVruntime) > 0 {
		atomic.StoreUint64(&rq.minVruntime, v)
	}
}

// renormalise puts t's virtual runtime on rq's clock if it was on
// another queue's: the same distance from min_vruntime as before
// (Linux: dequeue and migrate_task_rq_fair subtract the old queue's
// min_vruntime, enqueue_entity adds the new one's). A task detached from
// its queue (rqCPU -1) carries that distance already; a sleeper's is
// taken now, from its old queue's clock as it is (its placement bounds
// the credit). rq.lock is held.
func (rq *RunQueue) renormalise(t *Task) {
	switch t.se.rqCPU {
	case int32(rq.cpu):
		return
	case -1:
		t.se.vruntime += rq.minVruntime
	default:
		old := atomic.LoadUint64(&cpuRQ(int(t.se.rqCPU)).minVruntime)
		t.se.vruntime = t.se.vruntime - old + rq.minVruntime
	}
	t.se.rqCPU = int32(rq.cpu)
}

// detach prepares t, queued on rq or running there, to be queued on
// another CPU (load balancing, a move for affinity): its virtual runtime
// becomes its distance from rq's clock, taken before the removal moves
// the clock on, as dequeue_entity subtracts min_vruntime before its
// update_min_vruntime. Measured after, a task that was the leftmost
// would come out behind by however far the next one was ahead, and run
// behind its new queue's clock by that much. rq.lock is held.
func (rq *RunQueue) detach(t *Task) {
	lag := t.se.vruntime - rq.minVruntime
	rq.remove(t) // nothing to do for the running task
	t.se.vruntime = lag
	t.se.rqCPU = -1
}

// placeEntity is place_entity: where a new or woken task starts.
// rq.lock is held.
func (rq *RunQueue) placeEntity(t *Task, initial bool) {
	v := rq.minVruntime
	if initial && startDebit {
		v += rq.schedVslice(t)
		t.se.vruntime = v
		return
	}
	if !initial {
		thresh := schedLatency()
		if gentleFairSleepers {
			thresh /= 2
		}
		v -= thresh
	}
	if int64(v-t.se.vruntime) > 0 {
		t.se.vruntime = v
	}
	t.se.wakeLag = int64(rq.minVruntime - t.se.vruntime)
}

// lockTaskRQ locks the run queue of the CPU t is on (task_rq_lock) and
// returns it with the flags to unlock it with.
func lockTaskRQ(t *Task) (*RunQueue, uint64) {
	for {
		// t may move between the read of its CPU and the lock; recheck
		// under the lock.
		cpu := t.ThreadInfo.CPU
		rq := cpuRQ(int(cpu))
		fl := rq.lock.Lock()
		if t.ThreadInfo.CPU == cpu {
			return rq, fl
		}
		rq.lock.Unlock(fl)
	}
}

// maxReweightLag bounds the distance from min_vruntime that
// reweightTask scales (ns), so that the product cannot overflow.
const maxReweightLag = 1 << 40

// reweightTask gives t the nice value nice (reweight_entity, from
// set_user_nice). rq is t's queue, locked.
//
// A running task is charged first, at the weight it ran with: the time
// since its last charge was run at the old nice value. Then t's distance
// from min_vruntime, which is CPU time owed or owing in t's virtual
// time, is scaled by old weight / new weight, so that it means the same
// real time at the new weight. Without that, the virtual time a nice-19
// task ran up (68 times real time) would stay when it went back to nice
// 0, and a nice-0 competitor would have to run 68 times as long as the
// task had before the task ran again: a kthread or a test thread that
// was nice 19 for a second would then starve for a minute. (Linux 6.1
// keeps vruntime on a reweight; its EEVDF reweight scales the lag as
// here.)
//
// The distance is only scaled where it is stable under rq.lock: t runs
// on rq's CPU, is queued there, or sleeps. A task between two queues (a
// migration or a wake-up on another CPU) keeps its virtual runtime.
func (rq *RunQueue) reweightTask(t *Task, nice int32) {
	oldW, newW := NiceToWeight(t.Nice), NiceToWeight(nice)
	running := rq.curr.ptr() == t && t.onCPU
	sleeping := !t.onCPU && !t.onRQ && t.se.rqCPU >= 0 && t.State&(TASK_INTERRUPTIBLE|TASK_UNINTERRUPTIBLE) != 0
	if running {
		rq.updateCurr()
	}
	queued := t.onRQ
	if queued {
		rq.tasksTimeline.Erase(&t.se.runNode)
		rq.load -= t.se.weight
	}
	if oldW != newW && t.se.placed && (running || queued || sleeping) {
		var m uint64
		if sleeping {
			m = atomic.LoadUint64(&cpuRQ(int(t.se.rqCPU)).minVruntime)
		} else {
			m = rq.minVruntime
		}
		d := min(max(int64(t.se.vruntime-m), -maxReweightLag), maxReweightLag)
		t.se.vruntime = m + uint64(d*int64(oldW)/int64(newW))
	}
	t.Nice = nice
	if queued {
		t.se.weight = newW
		rq.tasksTimeline.Insert(&t.se.runNode, vruntimeBefore)
		rq.load += t.se.weight
	}
	if running || queued {
		rq.updateMinVruntime()
	}
}

// CheckFairRQ checks CPU cpu's run queue against the fair scheduler's
// invariants and returns what is wrong, or "" (tests; the queue is
// locked for the check). The tree is in vruntime order with its leftmost
// node cached, nrRunning and load count the queued tasks, each of which
// is on this queue's clock and not running; and no queued task, nor the
// running one, is more than maxBehind virtual ns behind min_vruntime,
// and no queued task more than maxAhead ahead of it (0: not checked).
// A task is placed at most sched_latency/2 behind min_vruntime (its
// sleeper credit), and min_vruntime cannot pass a task that is queued or
// running, so with maxBehind at that credit the check holds unless a
// nice change has scaled a lag (reweightTask). Interrupt-safe: no
// allocation unless a check fails.
func CheckFairRQ(cpu int, maxBehind, maxAhead uint64) string {
	rq := cpuRQ(int(cpu))
	fl := rq.lock.Lock()
	bad, what, pid, v := rq.checkFair(maxBehind, maxAhead)
	m := rq.minVruntime
	rq.lock.Unlock(fl)
	if bad == "" {
		return ""
	}
	return fmt.Sprintf("cpu%d: %s (%s pid %d, vruntime %d, min_vruntime %d)", cpu, bad, what, pid, v, m)
}

func (rq *RunQueue) checkFair(maxBehind, maxAhead uint64) (bad, what string, pid int32, v uint64) {
	if rq.tasksTimeline.First() != rq.tasksTimeline.Min() {
		return "cached leftmost is not the leftmost node", "tree", 0, 0
	}
	nr, load := 0, uint64(0)
	var prev *Task
	for t := rq.first(); t != nil; t = rq.next(t) {
		nr++
		load += t.se.weight
		switch {
		case !t.onRQ:
			return "queued task not marked onRQ", "task", t.Pid, t.se.vruntime
		case t.se.rqCPU != int32(rq.cpu) || t.ThreadInfo.CPU != uint32(rq.cpu):
			return "queued task on another queue's clock or CPU", "task", t.Pid, t.se.vruntime
		case t == rq.curr.ptr() && t.onCPU:
			return "the running task is in the tree", "task", t.Pid, t.se.vruntime
		case prev != nil && vruntimeBefore(&t.se.runNode, &prev.se.runNode):
			return "tree out of vruntime order", "task", t.Pid, t.se.vruntime
		case t.se.weight != NiceToWeight(t.Nice):
			return "queued weight differs from the nice value's", "task", t.Pid, t.se.vruntime
		}
		d := int64(t.se.vruntime - rq.minVruntime)
		if maxBehind != 0 && d < -int64(maxBehind) {
			return "queued task too far behind min_vruntime", "task", t.Pid, t.se.vruntime
		}
		if maxAhead != 0 && d > int64(maxAhead) {
			return "queued task too far ahead of min_vruntime", "task", t.Pid, t.se.vruntime
		}
		prev = t
	}
	if c := rq.curr.ptr(); maxBehind != 0 && fairTask(c) && !c.onRQ &&
		int64(c.se.vruntime-rq.minVruntime) < -int64(maxBehind) {
		return "the running task too far behind min_vruntime", "task", c.Pid, c.se.vruntime
	}
	if nr != rq.nrRunning {
		return "nr_running is not the number of queued tasks", "queue", 0, 0
	}
	if load != rq.load {
		return "load is not the sum of the queued weights", "queue", 0, 0
	}
	return "", "", 0, 0
}

// setNextEntity is set_next_entity: t, just taken from the tree, becomes
// the running task; its slice starts now. rq.lock is held.
func (rq *RunQueue) setNextEntity(t *Task) {
	if !fairTask(t) {
		return
	}
	t.se.execStart = Nanotime()
	if !t.se.ranSinceWake {
		t.se.ranSinceWake = true
		atomic.StoreUint64(&t.se.wakeRun, t.se.execStart)
	}
	t.se.prevSumExec = t.se.sumExec
	t.Slice = sliceTicks(rq.schedSlice(t))
}

// checkPreemptTick is check_preempt_tick, from the tick: the running task
// has had its slice (counted in ticks), or it is more than a slice of
// virtual time ahead of the leftmost queued task. rq.lock is held.
func (rq *RunQueue) checkPreemptTick(curr *Task) {
	curr.Slice--
	if rq.nrRunning == 0 {
		if curr.Slice <= 0 {
			curr.Slice = sliceTicks(rq.schedSlice(curr))
		}
		return
	}
	ideal := rq.schedSlice(curr)
	if curr.Slice <= 0 {
		curr.Slice = sliceTicks(ideal)
		setTskNeedReschedBy(curr, reasonTick)
		rq.Stats.TickPreempts++
		return
	}
	if curr.se.sumExec-curr.se.prevSumExec < minGranularity() {
		return
	}
	left := taskOfNode(rq.tasksTimeline.First())
	if d := int64(curr.se.vruntime - left.se.vruntime); d > int64(ideal) {
		setTskNeedReschedBy(curr, reasonTick)
		rq.Stats.TickPreempts++
	}
}

// wakeupPreempt is wakeup_preempt_entity's verdict that the woken task p
// should run before curr: it is behind curr by more than the wake-up
// granularity in p's virtual time (so a heavier task preempts sooner).
func wakeupPreempt(curr, p *Task) bool {
	vdiff := int64(curr.se.vruntime - p.se.vruntime)
	return vdiff > int64(calcDeltaFair(wakeupGran(), NiceToWeight(p.Nice)))
}

// noteWakeup records when t was woken, for the wake-up latency that
// FairStats reports (the sched_wakeup and first sched_switch of a trace).
// t's run-queue lock is held.
func noteWakeup(t *Task) {
	atomic.StoreUint64(&t.se.lastWakeup, Nanotime())
	t.se.ranSinceWake = t.onCPU // still on its CPU: it runs already
	if t.onCPU {
		atomic.StoreUint64(&t.se.wakeRun, t.se.lastWakeup)
	}
}

// FairStats is a task's fair-scheduler state, for tests and /proc-like
// reports.
type FairStats struct {
	Vruntime    uint64 // on its queue's clock
	MinVruntime uint64 // that queue's min_vruntime
	SumExec     uint64 // ns run in all
	LastWakeup  uint64 // Nanotime of its last wake-up
	WakeRun     uint64 // Nanotime it first ran after that wake-up (stale until it has)
	WakeLag     int64  // how far behind min_vruntime its last wake-up placed it
	Weight      uint64
}

// FairStatsOf returns t's fair-scheduler state. It is a snapshot without
// the run queue's lock, good for tests that have stopped t.
func FairStatsOf(t *Task) FairStats {
	cpu := max(t.se.rqCPU, 0)
	return FairStats{
		Vruntime:    t.se.vruntime,
		MinVruntime: atomic.LoadUint64(&cpuRQ(int(cpu)).minVruntime),
		SumExec:     t.se.sumExec,
		LastWakeup:  atomic.LoadUint64(&t.se.lastWakeup),
		WakeRun:     atomic.LoadUint64(&t.se.wakeRun),
		WakeLag:     t.se.wakeLag,
		Weight:      NiceToWeight(t.Nice),
	}
}
