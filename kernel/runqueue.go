package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/internal/rbtree"
	"gopreempt/percpu"
)

// Run queues. Each CPU has one: the tasks that are runnable there but not
// running, in a red-black tree ordered by virtual runtime (the fair
// scheduler's timeline, sched_fair.go), plus the running task and the
// CPU's idle task, which are not in the tree. schedule() runs the
// leftmost task, the one most behind; a wake-up preempts the running task
// when the woken one is behind it by more than the wake-up granularity.
//
// Each queue has its own lock, taken with interrupts off (the timer
// interrupt and wake-ups from handlers use it). The lock is held across
// the context switch and released by the task switched to (finishSwitch),
// which is why its RFLAGS are not kept: schedule() always returns with
// interrupts on, as Linux's does.
type RunQueue struct {
	lock          amd64.RawLock
	cpu           int
	tasksTimeline rbtree.Root // queued tasks by vruntime
	minVruntime   uint64      // the queue's clock (sched_fair.go); atomic stores
	load          uint64      // the weights of the queued tasks
	nrRunning     int         // queued tasks (the running one not included)
	curr          taskRef
	idle          taskRef
	Stats         CPUStats
}

// MaxCPUs is the most CPUs the kernel supports: one per-CPU area each.
const MaxCPUs = percpu.MaxCPUs

// The run queues are a per-CPU variable (percpu.go). thisRQ returns the
// run queue of the CPU we run on, GS-relative (this_rq); callers have
// interrupts or preemption off.
//
//go:nosplit
func thisRQ() *RunQueue { return percpu.ThisCPUPtr(runqueues) }

// cpuRQ returns CPU cpu's run queue (cpu_rq, per_cpu(runqueues, cpu)):
// the way to another CPU's queue, whose lock the caller takes.
//
//go:nosplit
func cpuRQ(cpu int) *RunQueue { return percpu.PerCPU(runqueues, cpu) }

// Enqueue flags, as Linux's.
const (
	enqueueWakeup = 1 // a sleeper comes back: place it (sleeper credit)
)

// enqueue puts t, which was runnable, in the tree; enqueueWoken puts t,
// which slept, there. rq.lock is held.
func (rq *RunQueue) enqueue(t *Task)      { rq.enqueueEntity(t, 0) }
func (rq *RunQueue) enqueueWoken(t *Task) { rq.enqueueEntity(t, enqueueWakeup) }

// enqueueEntity is enqueue_entity. A task new to the scheduler starts a
// slice behind min_vruntime, a waking one gets its bounded credit, one
// from another CPU is renormalised.
func (rq *RunQueue) enqueueEntity(t *Task, flags int) {
	if t.onRQ {
		return
	}
	rq.updateCurr()
	switch {
	case !t.se.placed:
		t.se.placed = true
		t.se.rqCPU = int32(rq.cpu)
		rq.placeEntity(t, true)
	case flags&enqueueWakeup != 0:
		rq.renormalise(t)
		rq.placeEntity(t, false)
	default:
		rq.renormalise(t)
	}
	t.se.weight = NiceToWeight(t.Nice)
	rq.tasksTimeline.Insert(&t.se.runNode, vruntimeBefore)
	rq.load += t.se.weight
	t.onRQ = true
	t.ThreadInfo.CPU = uint32(rq.cpu)
	rq.nrRunning++
	markRunnable(t)
}

// dequeueFirst removes and returns the leftmost task, or nil: the task
// schedule() runs next (Linux's pick_next_entity, and the
// __dequeue_entity of set_next_entity). rq.lock is held.
//
// It does not move min_vruntime, as set_next_entity does not. The task
// leaves the tree to become the running one, and min_vruntime counts the
// running task; but until schedule() switches, rq.curr is still prev,
// queued again if it stays runnable, so a new minimum taken here would
// leave the picked task out and could rise to the next queued task,
// however far ahead that one is. The picked task would then run behind
// the queue's clock, and every task woken or created meanwhile, placed
// from min_vruntime, would wait until it had run off the difference:
// after a task that was seconds ahead (a long non-preemptible run, a
// nice-19 charge over a host stall) that was seconds of starvation, and
// a task spinning on sched_yield() behind the clock was picked again on
// every yield (docs/sched.md). min_vruntime moves at the next
// update_curr, with the picked task running.
func (rq *RunQueue) dequeueFirst() *Task {
	t := taskOfNode(rq.tasksTimeline.First())
	if t == nil {
		return nil
	}
	rq.unlink(t)
	return t
}

// pickNextTask is put_prev_task and pick_next_task_fair: prev goes back
// into the tree at its virtual runtime if it stays runnable (requeue),
// and the leftmost task, or the idle task if there is none, becomes the
// one to run. rq.lock is held, rq.curr is still prev, and prev has been
// charged (update_curr).
func (rq *RunQueue) pickNextTask(prev *Task, requeue bool) *Task {
	if requeue {
		rq.enqueue(prev)
	}
	next := rq.dequeueFirst()
	if next == nil {
		next = rq.idle.ptr()
	}
	markPicked(next)
	rq.setNextEntity(next)
	return next
}

// remove takes t out of the tree wherever it is (a task leaving the
// queue for another CPU) and moves min_vruntime on, as dequeue_entity
// does: rq.curr, running, still counts. rq.lock is held.
func (rq *RunQueue) remove(t *Task) {
	if !t.onRQ {
		return
	}
	rq.unlink(t)
	rq.updateMinVruntime()
}

// unlink takes queued t out of the tree and the counts. rq.lock is held.
func (rq *RunQueue) unlink(t *Task) {
	rq.tasksTimeline.Erase(&t.se.runNode)
	rq.load -= t.se.weight
	t.onRQ = false
	rq.nrRunning--
}

// first and next walk the queued tasks in vruntime order. rq.lock is held.
func (rq *RunQueue) first() *Task { return taskOfNode(rq.tasksTimeline.First()) }

func (rq *RunQueue) next(t *Task) *Task { return taskOfNode(rbtree.Next(&t.se.runNode)) }
