package kernel

import "gopreempt/arch/amd64"

// Run queues. Each CPU has one: the tasks that are runnable there but not
// running, in FIFO order, plus the running task and the CPU's idle task.
// The scheduling policy is round robin with time slices that depend on
// the nice value (sliceFor), and a wake-up preempts the running task when
// the woken task has a better (lower) nice value or the CPU is idle.
//
// Each queue has its own lock, taken with interrupts off (the timer
// interrupt and wake-ups from handlers use it). The lock is held across
// the context switch and released by the task switched to (finishSwitch).
type RunQueue struct {
	lock       amd64.RawLock
	lockFlags  uint64 // RFLAGS saved by the holder, handed across the switch
	cpu        int
	head, tail taskRef
	nrRunning  int // queued tasks (the running one not included)
	curr       taskRef
	idle       taskRef
	Stats      CPUStats
}

// MaxCPUs is the most CPUs the kernel supports.
const MaxCPUs = 64

var runqueues [MaxCPUs]RunQueue

// thisRQ returns the run queue of the CPU we run on. Callers have
// interrupts or preemption off.
func thisRQ() *RunQueue { return &runqueues[amd64.ThisCPU().ID] }

// cpuRQ returns CPU cpu's run queue.
func cpuRQ(cpu uint32) *RunQueue { return &runqueues[cpu] }

// enqueue adds t at the tail. rq.lock is held.
func (rq *RunQueue) enqueue(t *Task) {
	if t.onRQ {
		return
	}
	t.next = 0
	if rq.tail == 0 {
		rq.head = refOf(t)
	} else {
		rq.tail.ptr().next = refOf(t)
	}
	rq.tail = refOf(t)
	t.onRQ = true
	t.ThreadInfo.CPU = uint32(rq.cpu)
	rq.nrRunning++
	markRunnable(t)
}

// dequeueFirst removes and returns the head, or nil. rq.lock is held.
func (rq *RunQueue) dequeueFirst() *Task {
	r := rq.head
	if r == 0 {
		return nil
	}
	t := r.ptr()
	rq.head = t.next
	if rq.head == 0 {
		rq.tail = 0
	}
	t.next = 0
	t.onRQ = false
	rq.nrRunning--
	return t
}

// remove takes t out of the queue wherever it is. rq.lock is held.
func (rq *RunQueue) remove(t *Task) {
	if !t.onRQ {
		return
	}
	var prev taskRef
	for r := rq.head; r != 0; r = r.ptr().next {
		if r.ptr() == t {
			if prev == 0 {
				rq.head = t.next
			} else {
				prev.ptr().next = t.next
			}
			if rq.tail == r {
				rq.tail = prev
			}
			t.next = 0
			t.onRQ = false
			rq.nrRunning--
			return
		}
		prev = r
	}
}

// sliceFor is the time slice, in ticks, of a task with the given nice
// value: 100 ms at nice 0 down to 5 ms at nice 19, up to 200 ms at -20,
// in the spirit of the O(1) scheduler's static timeslices.
func sliceFor(nice int32) int32 {
	var ms int32
	if nice < 0 {
		ms = 100 + (-nice)*5
	} else {
		ms = 100 - nice*5
	}
	t := ms * int32(HZ) / 1000
	if t < 1 {
		t = 1
	}
	return t
}

// NrRunning returns the number of queued tasks on CPU cpu.
func NrRunning(cpu int) int { return runqueues[cpu].nrRunning }
