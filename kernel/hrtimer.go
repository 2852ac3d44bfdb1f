package kernel

import (
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/percpu"
)

// High-resolution timers (Linux's hrtimers: kernel/time/hrtimer.c,
// include/linux/hrtimer.h; Documentation/timers/hrtimers.rst).
//
// A timer is "call this function at time T", with T in Nanotime
// nanoseconds, not in ticks. Each CPU has a timer base: its pending
// timers ordered by expiry, and a clock event device, its local APIC
// timer in one-shot mode (clockevents.go), programmed for the
// earliest of them. When it fires, hrtimerInterrupt runs every timer
// whose time has come and programs the device for the next one. Nothing
// polls: a timer due in 50 µs interrupts the CPU 50 µs from now, not at
// the next tick. The scheduler tick is one timer among the others
// (tick_sched.go), and sleeps with a timeout are hrtimer_sleepers
// (timer.go).
//
// Invariants:
//   - A timer is on at most one base, the one it was started on, and its
//     callback runs on that CPU, in hardirq context with interrupts off.
//     hrtimer_start always queues on the calling CPU (Linux may pick a
//     busier CPU for a timer started on an idle one; this kernel does
//     not).
//   - The queue is sorted by expiry, ties in the order of starting, so
//     callbacks run in expiry order. It is an intrusive list (list.go)
//     through the timer records, which live in task structs or static memory:
//     no table to exhaust and no allocation. Linux keeps an rbtree
//     (timerqueue); a CPU here has a tick and a timer per sleeping task
//     on it, few enough that an insertion's walk is shorter than the
//     rebalancing. Links are addresses as integers, never Go pointers
//     (no write barrier may run under the lock or in interrupt context).
//   - The base's lock is raw and taken with interrupts off. The interrupt
//     drops it around each callback, as __run_hrtimer does, with
//     base.running naming the timer whose callback runs. A callback may
//     therefore start timers, its own included, and wake tasks (the run
//     queue's lock is never taken under a base's lock).
//   - hrtimer_cancel returns only when the timer is neither queued nor
//     running its callback on any CPU: after it the caller may reuse or
//     free the record. It waits for a running callback by spinning, so a
//     callback must not cancel its own timer.
//   - The callback is a top-level function (no captured variables): the
//     record keeps the function's code pointer as an integer, which the
//     collector neither scans nor needs to, because a top-level
//     function's value is static. Per-timer data is found from the timer
//     by its place in an enclosing struct (container_of).
//
// Races: the device is programmed only by its own CPU, under the base's
// lock, when a timer becomes the first (hrtimer_reprogram) and at the
// end of the interrupt; a timer started on CPU 1 while CPU 0's interrupt
// is between callbacks is simply queued, and the interrupt's last step
// programs for it. A cancelled first timer leaves the device programmed
// for it: the interrupt then finds nothing due and programs for the next
// (Linux does the same without CONFIG_HIGH_RES_TIMERS' remove path).
// Timers that come due while the interrupt runs are run by the same
// interrupt; after three rounds the interrupt gives up and programs the
// device a little later, as hrtimer_interrupt's hang detection does, so
// a timer that keeps restarting in the past cannot hold the CPU.
//
// Interrupt context: hrtimerInterrupt and the callbacks run in hardirq
// context, on the interrupted task's kernel stack, with interrupts off.
// No allocation, no heap pointer writes, no stack growth.

// HRTimerRestart is what a callback returns (enum hrtimer_restart).
type HRTimerRestart int

const (
	HRTIMER_NORESTART HRTimerRestart = iota // the timer is done
	HRTIMER_RESTART                         // queue it again at its (forwarded) expiry
)

// HRTimer is a high-resolution timer (struct hrtimer). The zero value is
// an inactive timer with no callback; SetFunction gives it one.
type HRTimer struct {
	expires  uint64   // Nanotime of expiry
	node     ListNode // on its base's queue (list.go)
	function uintptr  // the callback's func value, a static funcval
	cpu      int32    // the base it is queued on, or was last
	armed    bool     // queued (HRTIMER_STATE_ENQUEUED)
}

// HRTimerFunc is a timer's callback. It runs in hardirq context.
type HRTimerFunc func(t *HRTimer) HRTimerRestart

// hrtimerCPUBase is a CPU's timers (struct hrtimer_cpu_base).
type hrtimerCPUBase struct {
	lock      amd64.RawLock
	queue     ListHead // of HRTimer.node, earliest first
	running   uintptr  // *HRTimer whose callback runs now
	inHandler bool     // hrtimerInterrupt runs: it programs the device at its end
	nextEvent uint64   // what the device is programmed for (0: nothing)
	tickRan   bool     // the tick's callback ran in this interrupt
	stats     HRTimerStats
}

// HRTimerStats counts what a CPU's timer base did.
type HRTimerStats struct {
	Interrupts     uint64 // clock event interrupts taken
	Expired        uint64 // callbacks run
	TickRuns       uint64 // callbacks that were the scheduler tick
	SleeperWakeups uint64 // callbacks that woke a sleeping task (timer.go)
	// SleeperWakeupsOffTick counts sleeper wake-ups in interrupts that
	// ran no tick: what a tick-driven timer cannot do.
	SleeperWakeupsOffTick uint64
	Reprograms            uint64 // times the device was programmed
	Hangs                 uint64 // interrupts that gave up after three rounds
}

// HRTimerStatsOf returns a copy of CPU cpu's timer statistics.
// For tests and reports.
func HRTimerStatsOf(cpu int) HRTimerStats { return percpu.PerCPU(hrtimerBases, cpu).stats }

// hrtimerOfNode is container_of(node, struct hrtimer, node).
//
//go:nosplit
func hrtimerOfNode(a uintptr) *HRTimer {
	return (*HRTimer)(ptrOf(a - unsafe.Offsetof(HRTimer{}.node)))
}

// firstTimer is the earliest queued timer, nil for none. b.lock is held.
//
//go:nosplit
func (b *hrtimerCPUBase) firstTimer() *HRTimer {
	if b.queue.Empty() {
		return nil
	}
	return hrtimerOfNode(b.queue.First())
}

func (t *HRTimer) addr() uintptr { return uintptr(unsafe.Pointer(t)) }

// SetFunction sets the callback (hrtimer_setup's function). fn must be a
// top-level function; see the invariants above.
func (t *HRTimer) SetFunction(fn HRTimerFunc) {
	t.function = *(*uintptr)(unsafe.Pointer(&fn))
}

// call runs the callback.
//
//go:nosplit
func (t *HRTimer) call() HRTimerRestart {
	fn := *(*HRTimerFunc)(unsafe.Pointer(&t.function))
	return fn(t)
}

// Expires returns the timer's expiry (hrtimer_get_expires).
func (t *HRTimer) Expires() uint64 { return t.expires }

// SetExpires sets the expiry without queueing (hrtimer_set_expires), for
// a callback that returns HRTIMER_RESTART.
// No kernel timer uses it yet; tests do, as a callback would.
func (t *HRTimer) SetExpires(ns uint64) { t.expires = ns }

// Active reports whether the timer is queued or its callback runs now
// (hrtimer_active). Both change under its base's lock, so a periodic
// timer between its dequeue and its callback's re-arm, on another CPU,
// is seen as active throughout, as Linux's seqcount read sees it.
func (t *HRTimer) Active() bool {
	b, fl := t.lockBase()
	active := t.armed || b.running == t.addr()
	b.lock.Unlock(fl)
	return active
}

// enqueue links t in by expiry, after timers that expire at the same
// time. It reports whether t is now the first. b.lock is held.
//
//go:nosplit
func (b *hrtimerCPUBase) enqueue(t *HRTimer) bool {
	// Walk from the end: a new timer is usually the latest (a sleep is
	// longer than the tick's period is rare on a busy CPU, and the tick
	// is re-queued a period on, behind most sleepers).
	a := b.queue.Last()
	for a != 0 && hrtimerOfNode(a).expires > t.expires {
		a = nodeAt(a).Prev()
	}
	b.queue.AddAfter(a, &t.node)
	t.armed = true
	return a == 0
}

// remove unlinks t. b.lock is held.
//
//go:nosplit
func (b *hrtimerCPUBase) remove(t *HRTimer) {
	b.queue.Del(&t.node)
	t.armed = false
}

// reprogram points the device at expires (hrtimer_reprogram). b.lock is
// held and b is this CPU's.
//
//go:nosplit
func (b *hrtimerCPUBase) reprogram(expires uint64) {
	b.nextEvent = expires
	b.stats.Reprograms++
	clockeventsProgram(expires)
}

// hrtimerForceReprogram points this CPU's device at its earliest timer,
// or stops it when there is none (hrtimer_force_reprogram): after a
// cancel of the first timer that should not cost an interrupt, such as
// the tick's when it stops (tick_sched.go). Interrupts off.
func hrtimerForceReprogram() {
	b := percpu.ThisCPUPtr(hrtimerBases)
	fl := b.lock.Lock()
	if !b.inHandler {
		next := uint64(0)
		if first := b.firstTimer(); first != nil {
			next = first.expires
		}
		if next != b.nextEvent {
			b.reprogram(next)
		}
	}
	b.lock.Unlock(fl)
}

// lockBase locks the base t is on, following t if another CPU moves it
// meanwhile (lock_hrtimer_base).
func (t *HRTimer) lockBase() (*hrtimerCPUBase, uint64) {
	for {
		cpu := t.cpu
		b := percpu.PerCPU(hrtimerBases, int(cpu))
		fl := b.lock.Lock()
		if t.cpu == cpu {
			return b, fl
		}
		b.lock.Unlock(fl)
	}
}

// HRTimerStart queues t to expire at Nanotime expires on this CPU,
// first taking it off wherever it was queued (hrtimer_start with
// HRTIMER_MODE_ABS). Any context; interrupts may be on.
func HRTimerStart(t *HRTimer, expires uint64) {
	fl := amd64.IrqSave() // stay on this CPU from here to the enqueue
	if t.armed {
		old, ofl := t.lockBase()
		if t.armed {
			old.remove(t)
		}
		old.lock.Unlock(ofl)
	}
	cpu := percpu.RawSmpProcessorID()
	b := percpu.PerCPU(hrtimerBases, cpu)
	bfl := b.lock.Lock()
	t.expires, t.cpu = expires, int32(cpu)
	if b.enqueue(t) && !b.inHandler && (b.nextEvent == 0 || expires < b.nextEvent) {
		b.reprogram(expires)
	}
	b.lock.Unlock(bfl)
	amd64.IrqRestore(fl)
}

// HRTimerTryToCancel takes t off its queue if it is queued
// (hrtimer_try_to_cancel): 1 if it was, 0 if it was not, -1 if its
// callback is running right now (it cannot be stopped then).
func HRTimerTryToCancel(t *HRTimer) int {
	b, fl := t.lockBase()
	ret := 0
	switch {
	case b.running == t.addr():
		ret = -1
	case t.armed:
		b.remove(t)
		ret = 1
	}
	b.lock.Unlock(fl)
	return ret
}

// HRTimerCancel stops t and waits for a running callback to finish
// (hrtimer_cancel). It reports whether t was queued. Once it returns,
// t's callback is not running and will not run until t is started
// again. Not from t's own callback.
func HRTimerCancel(t *HRTimer) bool {
	for {
		switch HRTimerTryToCancel(t) {
		case 1:
			return true
		case 0:
			return false
		}
		amd64.Pause()
	}
}

// HRTimerForward moves t's expiry forward by whole intervals until it
// is after now, and returns how many intervals it moved
// (hrtimer_forward: the overruns). For a callback that restarts a
// periodic timer without drifting and without running once per missed
// period.
//
//go:nosplit
func HRTimerForward(t *HRTimer, now, interval uint64) uint64 {
	if now < t.expires || interval == 0 {
		return 0
	}
	n := (now-t.expires)/interval + 1
	t.expires += n * interval
	return n
}

// hrtimerInterrupt is the clock event handler (hrtimer_interrupt): it
// runs every timer on this CPU whose time has come, in order of expiry,
// and programs the device for the next. Hardirq context.
//
//go:nosplit
func hrtimerInterrupt() {
	b := percpu.ThisCPUPtr(hrtimerBases)
	b.stats.Interrupts++
	fl := b.lock.Lock()
	b.inHandler = true
	b.nextEvent = 0
	b.tickRan = false
	wakeups := b.stats.SleeperWakeups
	for round := 0; ; round++ {
		now := Nanotime()
		for t := b.firstTimer(); t != nil && t.expires <= now; t = b.firstTimer() {
			b.remove(t)
			b.running = t.addr()
			b.lock.Unlock(fl)
			restart := t.call()
			fl = b.lock.Lock()
			b.stats.Expired++
			if restart == HRTIMER_RESTART && !t.armed {
				b.enqueue(t)
			}
			b.running = 0
		}
		first := b.firstTimer()
		if first == nil {
			break // nothing pending: the device stays quiet
		}
		next := first.expires
		if next > Nanotime() {
			b.reprogram(next)
			break
		}
		if round == 2 {
			// hrtimer_interrupt's hang detection: let the CPU
			// breathe before the next round.
			b.stats.Hangs++
			b.reprogram(Nanotime() + 100_000)
			break
		}
	}
	b.inHandler = false
	if !b.tickRan {
		b.stats.SleeperWakeupsOffTick += b.stats.SleeperWakeups - wakeups
	}
	b.lock.Unlock(fl)
}
