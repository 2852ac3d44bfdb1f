package kernel

import "sync/atomic"

// Completions: "wait until this has happened" (Linux's struct
// completion, kernel/sched/completion.c). complete() counts one event and
// wakes one waiter; wait_for_completion() consumes one event, sleeping
// until there is one. complete_all() lets every present and future
// waiter through. A completion is a count and a wait queue whose waiters
// are exclusive, so that one event wakes one task.
//
// Complete is callable from any context; the waits may sleep.
//
// No kernel path waits for a one-shot event yet: the kernel-mode tests
// (wait_test.go) use completions, as the primitive Linux's drivers and
// kthreads reach for first.
type Completion struct {
	done atomic.Uint32 // events not yet consumed; completeAll: all
	wait WaitQueueHead
}

const completeAll = ^uint32(0)

// Complete signals one event (complete).
func (c *Completion) Complete() {
	fl := c.wait.lock.Lock()
	if c.done.Load() != completeAll {
		c.done.Add(1)
	}
	c.wait.wakeUpLocked(1)
	c.wait.lock.Unlock(fl)
}

// CompleteAll lets every waiter through, now and later (complete_all).
func (c *Completion) CompleteAll() {
	fl := c.wait.lock.Lock()
	c.done.Store(completeAll)
	c.wait.wakeUpLocked(0)
	c.wait.lock.Unlock(fl)
}

// TryWaitForCompletion consumes an event if there is one, without
// sleeping (try_wait_for_completion).
func (c *Completion) TryWaitForCompletion() bool {
	for {
		d := c.done.Load()
		if d == 0 {
			return false
		}
		if d == completeAll || c.done.CompareAndSwap(d, d-1) {
			return true
		}
	}
}

// WaitForCompletion sleeps uninterruptibly until it consumes an event
// (wait_for_completion).
func (c *Completion) WaitForCompletion() {
	c.wait.waitEvent(c.TryWaitForCompletion, TASK_UNINTERRUPTIBLE, true, -1)
}

// WaitForCompletionTimeout is WaitForCompletion for at most ns
// nanoseconds: 0 if it timed out, else the time left, at least 1
// (wait_for_completion_timeout).
func (c *Completion) WaitForCompletionTimeout(ns int64) int64 {
	return c.wait.waitEvent(c.TryWaitForCompletion, TASK_UNINTERRUPTIBLE, true, ns)
}

// Reinit makes a used completion wait again (reinit_completion).
func (c *Completion) Reinit() { c.done.Store(0) }

// Waiters counts the tasks waiting for c (for tests and reports).
func (c *Completion) Waiters() int { return c.wait.Waiters() }
