package kernel

import (
	"sync/atomic"
	"unsafe"

	"gopreempt/arch/amd64"
)

// Wait queues: the one way a task sleeps until something happens
// (Linux's wait_queue_head_t, include/linux/wait.h and
// kernel/sched/wait.c). Every blocking call of the kernel waits on one:
// pipes, eventfd, epoll, the console, completions, mutexes. Futexes keep
// their own hashed lists of the same shape (linux/sys_futex.go), as
// Linux's do.
//
// A queue is a head (a raw lock and an intrusive list, list.go) and the entries
// of the tasks that wait on it. There is no table: the entry lives with
// the waiter, on its kernel stack for a wait in kernel context (a system
// call; Linux's DEFINE_WAIT), or in its task struct for a wait from task
// context (wait_event.go), so a queue holds any number of waiters and
// queueing never allocates. Links are addresses as integers, never Go
// pointers (no write barrier may run under the lock, and wake-ups come
// from interrupt context). The zero head is an empty queue.
//
// The protocol that makes a wake-up impossible to lose (every sleeper
// here runs it through a wait_event loop, wait_event.go):
//
//	sleeper                          waker
//	prepare_to_wait(wq, e, state)    make the condition true
//	if !condition: schedule()        wake_up(wq)
//	finish_wait(wq, e)
//
// prepare_to_wait queues e and sets the task's state under the queue's
// lock; wake_up takes the same lock. A wake-up before the check is seen by
// the check; one after it finds the task queued with its state set and
// makes it TASK_RUNNING, so its schedule() returns at once. A preemption
// between the two does not take the task off its run queue
// (PREEMPT_ACTIVE, schedule.go).
//
// Exclusive waiters (prepare_to_wait_exclusive) queue at the tail, the
// others at the head. wake_up wakes every non-exclusive waiter and one
// exclusive one, so that N tasks waiting for one resource (a mutex, a
// pipe's data) do not all run for nothing; wake_up_all wakes everyone.
// A woken entry is taken off the queue by the waker (Linux's
// autoremove_wake_function): the task, if its condition is still false,
// queues again. An entry whose task was already running (woken by a
// signal or a timeout) stays, and does not count as the exclusive wake-up:
// the next exclusive waiter is woken instead.
//
// The lock is raw and taken with interrupts off, because interrupt
// handlers wake (the UART's receive interrupt wakes console readers).
// Lock order: a queue's lock, then a run queue's (try_to_wake_up).

// Wait-queue entry flags (Linux's WQ_FLAG_*).
const WQ_FLAG_EXCLUSIVE = 0x01

// TASK_NORMAL: the states a wake_up ends.
const TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE

// WaitQueueEntry is one waiter (Linux's wait_queue_entry).
type WaitQueueEntry struct {
	flags uint32
	task  taskRef
	node  ListNode // on the queue's list (list.go)
	head  uintptr  // the queue the entry is on, 0 when on none (atomic)
}

// WaitQueueHead is a wait queue (Linux's wait_queue_head).
type WaitQueueHead struct {
	lock    amd64.RawLock
	entries ListHead // of WaitQueueEntry.node
}

// WaitQueue is the name this kernel used first for a wait queue head.
type WaitQueue = WaitQueueHead

// entryOfNode is container_of(node, struct wait_queue_entry, entry).
func entryOfNode(a uintptr) *WaitQueueEntry {
	return (*WaitQueueEntry)(ptrOf(a - unsafe.Offsetof(WaitQueueEntry{}.node)))
}

func (e *WaitQueueEntry) addr() uintptr { return uintptr(unsafe.Pointer(e)) }

func (wq *WaitQueueHead) addr() uintptr { return uintptr(unsafe.Pointer(wq)) }

// InitWaitEntry makes e the current task's entry (init_wait): flags
// clear, on no queue.
func InitWaitEntry(e *WaitQueueEntry) {
	*e = WaitQueueEntry{task: refOf(Current())}
}

// queued reports whether e is on a queue. Without the lock it is a hint
// (list_empty_careful): a waker clears it last, with a release store.
func (e *WaitQueueEntry) queued() bool {
	return atomic.LoadUintptr(&e.head) != 0
}

// addHead and addTail link e in; wq.lock is held.
func (wq *WaitQueueHead) addHead(e *WaitQueueEntry) {
	wq.entries.AddHead(&e.node)
	atomic.StoreUintptr(&e.head, wq.addr())
}

func (wq *WaitQueueHead) addTail(e *WaitQueueEntry) {
	wq.entries.AddTail(&e.node)
	atomic.StoreUintptr(&e.head, wq.addr())
}

// del unlinks e; wq.lock is held. Clearing e.head is the last touch of
// e: after it the waiter may return and reuse the memory.
func (wq *WaitQueueHead) del(e *WaitQueueEntry) {
	wq.entries.Del(&e.node)
	atomic.StoreUintptr(&e.head, 0)
}

// checkEntry stops the machine when e is already on another queue:
// linking it here would corrupt both lists. wq.lock is held.
func (wq *WaitQueueHead) checkEntry(e *WaitQueueEntry) {
	if h := e.head; h != 0 && h != wq.addr() {
		oopsBegin() // held until the end of the machine (oops_lock.go)
		Pr(KERN_EMERG).S("Kernel panic: wait-queue entry ").X(uint64(e.addr())).S(" of pid ").
			I(int64(e.task.ptr().Pid)).S(" is already on queue ").X(uint64(h)).Emit()
		DumpStack()
		PanicEnd(EndCorruption)
	}
}

// prepareToWaitEvent is Linux's prepare_to_wait_event, the step of the
// wait_event loops and this kernel's only prepare_to_wait: it queues e
// (at the tail if it is exclusive, prepare_to_wait_exclusive, else at the
// head) and sets the task's state, except that, if signals end the wait,
// an interruptible sleep with a signal pending is not entered: e is taken
// off and -ERESTARTSYS returned.
func (wq *WaitQueueHead) prepareToWaitEvent(e *WaitQueueEntry, state int32, signals bool) int64 {
	fl := wq.lock.Lock()
	wq.checkEntry(e)
	if signals && signalPendingState(state, Current()) {
		if e.head != 0 {
			wq.del(e)
		}
		wq.lock.Unlock(fl)
		return -ERESTARTSYS
	}
	if e.head == 0 {
		if e.flags&WQ_FLAG_EXCLUSIVE != 0 {
			wq.addTail(e)
		} else {
			wq.addHead(e)
		}
	}
	SetCurrentState(state)
	wq.lock.Unlock(fl)
	return 0
}

// FinishWait makes the current task running and takes e off the queue
// if a wake-up has not already (finish_wait).
func (wq *WaitQueueHead) FinishWait(e *WaitQueueEntry) {
	SetCurrentState(TASK_RUNNING)
	if !e.queued() {
		return
	}
	fl := wq.lock.Lock()
	if e.head != 0 {
		wq.del(e)
	}
	wq.lock.Unlock(fl)
}

// wakeUpLocked is __wake_up_common: it wakes the non-exclusive waiters
// and nrExclusive exclusive ones (0: all), and returns how many tasks it
// woke. wq.lock is held.
func (wq *WaitQueueHead) wakeUpLocked(nrExclusive int) int {
	n := 0
	for a := wq.entries.First(); a != 0; {
		e := entryOfNode(a)
		a = e.node.Next() // e may be reused once it is off the queue
		exclusive := e.flags&WQ_FLAG_EXCLUSIVE != 0
		if !tryToWakeUp(e.task.ptr(), TASK_NORMAL) {
			continue // already running: it is no wake-up
		}
		wq.del(e)
		n++
		if exclusive {
			nrExclusive--
			if nrExclusive == 0 {
				break
			}
		}
	}
	return n
}

// WakeUp wakes every non-exclusive waiter and one exclusive waiter
// (wake_up) and returns how many tasks it woke. Any context.
func (wq *WaitQueueHead) WakeUp() int { return wq.WakeUpNr(1) }

// WakeUpAll wakes every waiter (wake_up_all). Any context.
func (wq *WaitQueueHead) WakeUpAll() int { return wq.WakeUpNr(0) }

// WakeUpNr wakes every non-exclusive waiter and n exclusive ones, all of
// them if n is 0 (wake_up_nr). Any context.
func (wq *WaitQueueHead) WakeUpNr(n int) int {
	fl := wq.lock.Lock()
	woken := wq.wakeUpLocked(n)
	wq.lock.Unlock(fl)
	return woken
}

// Waiters counts the entries on wq (for tests and reports).
func (wq *WaitQueueHead) Waiters() int {
	fl := wq.lock.Lock()
	n := 0
	for a := wq.entries.First(); a != 0; a = nodeAt(a).Next() {
		n++
	}
	wq.lock.Unlock(fl)
	return n
}
