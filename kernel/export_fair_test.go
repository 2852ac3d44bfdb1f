package kernel

import (
	"fmt"
	"unsafe"

	"gopreempt/internal/addr"
	"gopreempt/mm"
)

// The fair scheduler's state, for the kernel-mode tests
// (sched_fair_test.go).

// SumExecPtr is where t's run time (sum_exec_runtime, ns) is kept: a test
// that must not call functions while it spins reads it through this.
func SumExecPtr(t *Task) *uint64 { return &t.se.sumExec }

// ChargeCurrent charges the running task the time since its last charge
// (update_curr), as the tick would: a test with interrupts off decides
// when its run time is charged.
func ChargeCurrent() {
	rq := thisRQ()
	fl := rq.lock.Lock()
	rq.updateCurr()
	rq.lock.Unlock(fl)
}

// FairPair returns the run time (sum_exec_runtime) and virtual runtime
// of a and b, both queued on or running on this CPU, at one instant: it
// reads them under the run queue's lock, so that no tick or remote
// enqueue charges the running one between the reads. The running task's
// values are as of its last charge (no update_curr here: a test that
// calls this in a loop must not change how often run time is charged).
// Call it with preemption off: its prologue is then no point where the
// Go runtime can park the caller.
func FairPair(a, b *Task) (sumA, vA, sumB, vB uint64) {
	rq := thisRQ()
	fl := rq.lock.Lock()
	sumA, vA, sumB, vB = a.se.sumExec, a.se.vruntime, b.se.sumExec, b.se.vruntime
	rq.lock.Unlock(fl)
	return
}

// A FairSim is a run queue of its own, with tasks that never run, for
// tests of the fair scheduler's bookkeeping (runqueue_test.go): the test
// says which task runs for how long and how it leaves the CPU, and the
// queue does what schedule() does with the real code (pickNextTask,
// enqueue, place_entity, update_curr). Run time is charged through
// update_curr, so a charge is what the test asks plus the microseconds
// the test takes between two steps. The queue is no CPU's: no tick
// charges its tasks and no wake-up reaches them. One goroutine uses it.
type FairSim struct {
	rq    *RunQueue
	idle  *Task
	tasks []*Task
}

// NewFairSim makes a queue with one task per nice value given, none of
// them queued yet (Start queues one), and its idle task running.
func NewFairSim(nices ...int32) *FairSim {
	s := &FairSim{rq: new(RunQueue)}
	s.rq.cpu = 0
	s.idle = simTask(taskIdle, 0, -1)
	s.rq.idle = refOf(s.idle)
	s.rq.curr = refOf(s.idle)
	s.idle.onCPU = true
	for i, n := range nices {
		s.tasks = append(s.tasks, simTask(taskThread, n, int32(i)))
	}
	return s
}

func simTask(kind uint8, nice, pid int32) *Task {
	pa := mm.AllocFrame()
	if pa == 0 {
		panic("FairSim: out of frames")
	}
	t := (*Task)(addr.Ptr(uintptr(pa)))
	t.kind, t.Nice, t.Pid, t.State = kind, nice, pid, TASK_RUNNING
	return t
}

// Free gives the tasks' frames back.
func (s *FairSim) Free() {
	for _, t := range append(s.tasks, s.idle) {
		mm.FreeFrame(uint64(uintptr(unsafe.Pointer(t))))
	}
	s.tasks = nil
}

func (s *FairSim) lock() uint64     { return s.rq.lock.Lock() }
func (s *FairSim) unlock(fl uint64) { s.rq.lock.Unlock(fl) }

// Start queues task i as a new task (wake_up_new_task's placement).
func (s *FairSim) Start(i int) {
	fl := s.lock()
	s.rq.enqueue(s.tasks[i])
	s.unlock(fl)
}

// Curr is the running task's index, or -1 for the idle task.
func (s *FairSim) Curr() int {
	c := s.rq.curr.ptr()
	for i, t := range s.tasks {
		if t == c {
			return i
		}
	}
	return -1
}

// Run charges the running task ns of run time, as update_curr does for
// a task that ran that long.
func (s *FairSim) Run(ns uint64) {
	fl := s.lock()
	if c := s.rq.curr.ptr(); fairTask(c) {
		c.se.execStart -= ns
		s.rq.updateCurr()
	}
	s.unlock(fl)
}

// Switch is schedule() for the running task: it stays runnable (a
// preemption or a yield) unless sleep, and the picked task, whose index
// Switch returns (-1: idle), runs next.
func (s *FairSim) Switch(sleep bool) int {
	fl := s.lock()
	prev := s.rq.curr.ptr()
	s.rq.updateCurr()
	if sleep && fairTask(prev) {
		prev.State = TASK_INTERRUPTIBLE
	}
	next := s.rq.pickNextTask(prev, fairTask(prev) && !sleep)
	prev.onCPU = false
	next.onCPU = true
	s.rq.curr = refOf(next)
	s.unlock(fl)
	return s.Curr()
}

// Wake wakes sleeping task i (try_to_wake_up's enqueue) and reports
// whether it would preempt the running task (check_preempt_wakeup).
func (s *FairSim) Wake(i int) bool {
	t := s.tasks[i]
	fl := s.lock()
	defer s.unlock(fl)
	t.State = TASK_RUNNING
	s.rq.enqueueWoken(t)
	c := s.rq.curr.ptr()
	if !fairTask(c) {
		return true
	}
	s.rq.updateCurr()
	return wakeupPreempt(c, t)
}

// Queued reports whether task i is in the tree.
func (s *FairSim) Queued(i int) bool { return s.tasks[i].onRQ }

// Vruntime is task i's virtual runtime, MinVruntime the queue's.
func (s *FairSim) Vruntime(i int) uint64 { return s.tasks[i].se.vruntime }
func (s *FairSim) MinVruntime() uint64   { return s.rq.minVruntime }

// Lag is how far task i is ahead of min_vruntime (virtual ns; negative
// behind).
func (s *FairSim) Lag(i int) int64 { return int64(s.tasks[i].se.vruntime - s.rq.minVruntime) }

// Check is CheckFairRQ for the sim's queue.
func (s *FairSim) Check(maxBehind, maxAhead uint64) string {
	fl := s.lock()
	bad, what, pid, v := s.rq.checkFair(maxBehind, maxAhead)
	m := s.rq.minVruntime
	s.unlock(fl)
	if bad == "" {
		return ""
	}
	return fmt.Sprintf("%s (%s %d, vruntime %d, min_vruntime %d)", bad, what, pid, v, m)
}
