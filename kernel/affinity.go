package kernel

import "math/bits"

// CPU affinity and migration.
//
// A task may be restricted to a set of CPUs (set_cpus_allowed; a kthread
// bound to one CPU with kthread_bind). A task that must move while it
// runs is marked, switched out as usual, and moved by finishSwitch once it
// is off the CPU: a running task's stack is in use, so it cannot be queued
// elsewhere until the switch away from it is complete.

// allowedOn reports whether t may run on cpu.
func allowedOn(t *Task, cpu int) bool {
	return t.Allowed == 0 || t.Allowed&(1<<uint(cpu)) != 0
}

// BoundToOneCPU reports whether t may run on a single CPU only (then
// smp_processor_id() is stable for it).
func BoundToOneCPU(t *Task) bool {
	if t.kind == taskIdle {
		return true
	}
	if t.Allowed == 0 {
		return OnlineCPUs() == 1
	}
	return bits.OnesCount64(t.Allowed&onlineMask()) == 1
}

func onlineMask() uint64 {
	n := OnlineCPUs()
	if n >= 64 {
		return ^uint64(0)
	}
	return 1<<uint(n) - 1
}

// firstAllowed returns the lowest online CPU t may run on.
func firstAllowed(t *Task) int {
	m := t.Allowed & onlineMask()
	if t.Allowed == 0 || m == 0 {
		return 0
	}
	return bits.TrailingZeros64(m)
}

// SetCPUsAllowed restricts t to the CPUs in mask (set_cpus_allowed_ptr).
// If t is the caller and its CPU is not in the mask, it moves before
// this returns. Task context.
func SetCPUsAllowed(t *Task, mask uint64) {
	t.Allowed = mask
	if t != Current() || allowedOn(t, int(t.ThreadInfo.CPU)) {
		return
	}
	t.migrateTo = int32(firstAllowed(t)) + 1
	Schedule() // switched out here, queued on the new CPU by finishSwitch
}

// KthreadBind binds the calling kthread to cpu (kthread_bind; Linux binds
// before the thread first runs, here the kthread binds itself).
func (k *Kthread) Bind(cpu int) { SetCPUsAllowed(k.Task(), 1<<uint(cpu)) }

// migrateAfterSwitch moves prev, now off its CPU, to the CPU it asked for.
// Runs in finishSwitch with no run-queue lock held.
func migrateAfterSwitch(prev *Task) {
	cpu := int(prev.migrateTo - 1)
	prev.migrateTo = 0
	activateOn(prev, cpu, false)
}

// activateOn queues t on cpu and kicks that CPU if it should run it now;
// woken says whether t comes back from a sleep (its credit is bounded).
func activateOn(t *Task, cpu int, woken bool) {
	rq := cpuRQ(cpu)
	fl := rq.lock.Lock()
	if woken {
		rq.enqueueWoken(t)
	} else {
		rq.enqueue(t)
	}
	unlockAndKick(rq, fl, checkPreemptWakeup(rq, t))
}

// loadBalance pulls one waiting task from the busiest other CPU to this
// one, when that CPU has at least two tasks more than this one, the
// running task counted: then moving one evens the load without making
// this CPU the busier. An idle CPU thus pulls the one task that waits
// behind another CPU's running task, as Linux's idle balance does
// (load_balance takes from a queue with nr_running > 1). Counting only
// the waiting tasks, as this once did, it pulled nothing there, and under
// preempt=none a runtime thread queued behind a kthread that never gives
// up its CPU starved while another CPU idled (the stall test's starve
// case, seen in a soak). Called by the idle loop and on the tick.
// Interrupts are off.
func loadBalance(rq *RunQueue) bool {
	n := OnlineCPUs()
	if n == 1 {
		return false
	}
	busiest, most := -1, rq.nrTasks()+1
	for cpu := 0; cpu < n; cpu++ {
		if q := cpuRQ(cpu); cpu != rq.cpu && q.nrRunning > 0 && q.nrTasks() > most {
			busiest, most = cpu, q.nrTasks()
		}
	}
	if busiest < 0 {
		return false
	}
	src := cpuRQ(busiest)
	// Lock both queues, lower CPU number first, so two CPUs balancing
	// towards each other cannot deadlock.
	first, second := rq, src
	if src.cpu < rq.cpu {
		first, second = src, rq
	}
	f1 := first.lock.Lock()
	f2 := second.lock.Lock()
	var moved *Task
	for t := src.first(); t != nil; t = src.next(t) {
		if !t.onCPU && allowedOn(t, rq.cpu) && t.migrateTo == 0 {
			moved = t
			break
		}
	}
	if moved != nil {
		src.detach(moved)
		rq.enqueue(moved)
		rq.Stats.Pulled++
	}
	second.lock.Unlock(f2)
	first.lock.Unlock(f1)
	return moved != nil
}

// nrTasks is the queue's load for balancing: its waiting tasks and its
// running one, unless that is the idle task. Read without the lock, as a
// hint: under it, loadBalance takes only a task still waiting.
func (rq *RunQueue) nrTasks() int {
	n := rq.nrRunning
	if c := rq.curr; c != 0 && c.ptr().kind != taskIdle {
		n++
	}
	return n
}
