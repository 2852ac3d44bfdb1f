package kernel_test

// The wait-queue head (wait.go, wait_event.go) and completions: who a
// wake-up wakes, what a timed wait returns, that a waiter sleeps until it
// is woken. Preconditions are waited for (every waiter queued, its task
// asleep), and what the kernel did is counted, not timed. Where nothing
// but the queue may wake a waiter, the waiter is a kthread
// (waiterKthread).

import (
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"

	"gopreempt/kernel"
)

// sleeperTask runs fn on a goroutine locked to its task and returns the
// task once it is known.
func sleeperTask(fn func()) *kernel.Task {
	task := make(chan *kernel.Task)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		task <- kernel.Current()
		fn()
	}()
	return <-task
}

// waiterKthread runs fn on a kthread and returns its task. A wait from
// task context sleeps TASK_INTERRUPTIBLE, and a goroutine's thread is
// sent the Go runtime's SIGURG (asynchronous preemption) even just as it
// goes to sleep: the signal wakes it, it is delivered when the sleep
// returns, and the wait goes round again, as Linux's would. That is a
// wake-up nobody on the queue made, and it makes the entry's task
// running when a wake_up comes, which then does not count it. A kthread
// takes no sent signal (kthreadIgnores), so only the queue wakes it.
func waiterKthread(fn func()) *kernel.Task {
	return kernel.KthreadRun("waiter", func(*kernel.Kthread) { fn() }).Task()
}

// noGC starts no garbage collection until the returned restore, and
// returns once none is running. The collector's stack scan preempts a
// running goroutine at its next function prologue, and one locked to its
// thread (a kthread's) is then parked by the runtime in a futex: asleep,
// off its CPU, and later woken by the runtime, a wake-up nobody on the
// queue made. A waiter between its prepare_to_wait and its schedule()
// runs Go code, so that can happen to it.
func noGC() (restore func()) {
	old := debug.SetGCPercent(-1) // waits for a collection in progress
	return func() { debug.SetGCPercent(old) }
}

// asleep reports whether t sleeps: in a sleeping state, off its CPU and
// on no run queue. The state alone is set before the waiter has checked
// its condition and reached schedule(), while it still runs Go code.
func asleep(t *kernel.Task) bool {
	s := atomic.LoadInt32(&t.State)
	return (s == kernel.TASK_INTERRUPTIBLE || s == kernel.TASK_UNINTERRUPTIBLE) && !t.Running() && !t.Queued()
}

// wake_up wakes every non-exclusive waiter and one exclusive one, the
// exclusive ones in the order they came; wake_up_all wakes the rest.
func TestWaitQueueExclusive(t *testing.T) {
	defer noGC()()
	var wq kernel.WaitQueueHead
	var open atomic.Bool
	var woke atomic.Int32
	order := make(chan int, 3)
	var tasks []*kernel.Task
	for i := 0; i < 3; i++ {
		tasks = append(tasks, waiterKthread(func() {
			wq.WaitEvent(open.Load)
			woke.Add(1)
		}))
	}
	for i := 0; i < 3; i++ {
		// One by one, so that the exclusive waiters queue in order.
		tasks = append(tasks, waiterKthread(func() {
			wq.WaitEventInterruptibleExclusive(open.Load)
			woke.Add(1)
			order <- i
		}))
		waitFor(t, "the exclusive waiter is queued", func() bool { return wq.Waiters() == 4+i })
	}
	waitFor(t, "all six waiters are asleep", func() bool {
		for _, tk := range tasks {
			if !asleep(tk) {
				return false
			}
		}
		return true
	})
	open.Store(true)
	if n := wq.WakeUp(); n != 4 {
		t.Fatalf("wake_up over 3 waiters and 3 exclusive ones woke %d, want 4", n)
	}
	waitFor(t, "the four woken waiters return", func() bool { return woke.Load() == 4 })
	if first := <-order; first != 0 {
		t.Fatalf("wake_up woke exclusive waiter %d, want the first to come (0)", first)
	}
	if n := wq.Waiters(); n != 2 {
		t.Fatalf("%d waiters still queued, want the 2 exclusive ones not woken", n)
	}
	if n := wq.WakeUpAll(); n != 2 {
		t.Fatalf("wake_up_all woke %d, want 2", n)
	}
	waitFor(t, "every waiter returns", func() bool { return woke.Load() == 6 })
	if n := wq.WakeUpAll(); n != 0 {
		t.Fatalf("wake_up_all on an empty queue woke %d", n)
	}
}

// A waiter sleeps until it is woken: a wake-up without the condition
// sends it back to sleep, and nothing else wakes it.
func TestWaitEventSleepsUntilWoken(t *testing.T) {
	defer noGC()()
	var wq kernel.WaitQueueHead
	var cond atomic.Bool
	done := make(chan struct{})
	tk := waiterKthread(func() {
		wq.WaitEvent(cond.Load)
		close(done)
	})
	// The runtime may still park the kthread's thread in a futex between
	// its prepare_to_wait and its schedule() (the prologue preemption of
	// a goroutine that has run 10 ms, docs/testing.md), a sleep that looks
	// like the wait's and that the runtime's futex wake ends. Such a
	// round is void and made again, up to 5; a waiter the kernel itself
	// wakes is woken in every round.
	const rounds = 5
	void := 0
	for ; ; void++ {
		waitFor(t, "the waiter is queued and asleep", func() bool { return wq.Waiters() == 1 && asleep(tk) })
		before := tk.Stats.Wakeups
		time.Sleep(50 * time.Millisecond)
		w := tk.Stats.Wakeups - before
		if w == 0 {
			break
		}
		if void == rounds-1 {
			t.Fatalf("a waiter nobody woke was woken in each of %d rounds of 50 ms (%d times in the last)", rounds, w)
		}
	}
	if void > 0 {
		t.Logf("%d rounds void: the waiter was woken, by the runtime or the kernel", void)
	}
	if n := wq.WakeUp(); n != 1 {
		t.Fatalf("wake_up woke %d, want 1", n)
	}
	waitFor(t, "the waiter, its condition false, queues again", func() bool { return wq.Waiters() == 1 && asleep(tk) })
	cond.Store(true)
	wq.WakeUp()
	<-done
}

// wait_event_timeout: 0 when the time runs out, the time left when the
// condition comes true first.
func TestWaitEventTimeout(t *testing.T) {
	var wq kernel.WaitQueueHead
	start := time.Now()
	if r := wq.WaitEventTimeout(func() bool { return false }, 20e6); r != 0 {
		t.Fatalf("wait_event_timeout with a false condition returned %d, want 0", r)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("wait_event_timeout(20 ms) returned after %v", d)
	}
	var cond atomic.Bool
	res := make(chan int64)
	tk := sleeperTask(func() { res <- wq.WaitEventInterruptibleTimeout(cond.Load, 60e9) })
	waitFor(t, "the waiter is queued and asleep", func() bool { return wq.Waiters() == 1 && asleep(tk) })
	cond.Store(true)
	wq.WakeUp()
	if r := <-res; r <= 0 || r > 60e9 {
		t.Fatalf("a woken wait_event_interruptible_timeout returned %d, want the time left", r)
	}
}

// complete() lets one waiter through, complete_all() every one, now and
// later.
func TestWaitForCompletion(t *testing.T) {
	var c kernel.Completion
	if r := c.WaitForCompletionTimeout(10e6); r != 0 {
		t.Fatalf("wait_for_completion_timeout on a completion never completed returned %d", r)
	}
	var through atomic.Int32
	for i := 0; i < 3; i++ {
		sleeperTask(func() {
			c.WaitForCompletion()
			through.Add(1)
		})
	}
	waitFor(t, "three waiters are queued", func() bool { return c.Waiters() == 3 })
	c.Complete()
	waitFor(t, "one waiter is through", func() bool { return through.Load() == 1 })
	if n := c.Waiters(); n != 2 {
		t.Fatalf("complete() let %d waiters through", 3-n)
	}
	c.CompleteAll()
	waitFor(t, "every waiter is through", func() bool { return through.Load() == 3 })
	c.WaitForCompletion() // complete_all holds for later waiters
	c.Reinit()
	if c.TryWaitForCompletion() {
		t.Fatal("a reinitialized completion is still complete")
	}
}
