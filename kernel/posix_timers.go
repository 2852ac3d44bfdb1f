package kernel

import (
	"sync/atomic"
	"unsafe"

	"gopreempt/arch/amd64"
)

// Timers on the wall clocks: setitimer(ITIMER_REAL) and alarm, which
// send SIGALRM to the process, and POSIX timers (timer_create) on
// CLOCK_REALTIME, CLOCK_MONOTONIC and CLOCK_BOOTTIME. They follow
// Linux's kernel/time/itimer.c (it_real_fn, do_setitimer) and
// kernel/time/posix-timers.c (common_timer_set, posix_timer_fn,
// common_timer_get), and each is an hrtimer (hrtimer.go) whose callback
// sends the signal, so it fires within microseconds of its expiry, not
// at a tick. The CPU-time timers are posix_cpu_timers.go's.
//
// Clocks. Every expiry is kept in Nanotime, the hrtimers' clock.
// CLOCK_BOOTTIME is CLOCK_MONOTONIC (nothing suspends here), and
// CLOCK_REALTIME is Nanotime plus a constant (clock.go: no settimeofday),
// so an absolute CLOCK_REALTIME expiry converts once, when it is set;
// Linux must re-evaluate such timers when the clock is set
// (timerfd/hrtimer clock_was_set), which cannot happen here.
//
// Periods and overruns. A periodic timer's callback moves its expiry
// forward by whole periods past now (hrtimer_forward) and restarts it.
// If its signal is still pending, the expiries are overruns, reported in
// si_overrun when the signal is taken and by timer_getoverrun afterwards.
// Linux gets the same count another way: it rearms at delivery
// (posixtimer_rearm) and forwards over the periods missed meanwhile.
// ITIMER_REAL has no overrun count: a SIGALRM that is still pending
// absorbs the next (Linux rearms it when SIGALRM is dequeued).
//
// Who takes the signal. SIGEV_THREAD_ID names a thread. Otherwise the
// signal is the process's, and one thread that does not block it takes
// it (Linux's complete_signal): the thread the timer interrupted if it is
// one of the program's, else the thread that armed the timer, else the
// first such thread in the task table. A POSIX timer's signal is queued
// on that thread with si_code SI_TIMER (as posix_cpu_timers.go queues
// the CPU timers'), ITIMER_REAL's SIGALRM on the process with SI_KERNEL
// (Linux's SEND_SIG_PRIV).
//
// Locking. One raw lock for the table. A callback takes it (hardirq, with
// the base's lock dropped, as __run_hrtimer calls); so setting or deleting
// a timer under the lock cannot wait for a running callback with
// HRTimerCancel, and instead retries HRTimerTryToCancel with the lock
// dropped (Linux's timer_wait_running). Lock order: posixTimers.lock,
// then an hrtimer base's, then sighand's and the run queues' (a signal
// wakes its target).
//
// Hardirq context for the callback: no allocation, no heap pointer
// writes. The table is static memory, the links integers (taskRef).

// maxPosixTimers bounds the wall-clock POSIX timers of the process. Their
// ids follow the CPU-time timers' (0..maxCPUTimers-1), so that one id
// space serves timer_settime and the rest.
const maxPosixTimers = 64

// PosixTimerBase is the first wall-clock timer id.
const PosixTimerBase = maxCPUTimers

// Wall clocks a timer can be on (the linux package's CLOCK_* values).
const (
	clockRealtime  = 0
	clockMonotonic = 1
	clockBoottime  = 7
)

// posixTimer is one wall-clock timer (struct k_itimer with its hrtimer),
// or ITIMER_REAL.
type posixTimer struct {
	timer     HRTimer // first: the callback finds the record from it
	inUse     bool
	itReal    bool // ITIMER_REAL: SIGALRM to the process, SI_KERNEL
	queued    bool // its signal is pending on queuedFor, not yet taken
	clock     int32
	notify    int32
	signo     int32
	target    taskRef // SIGEV_THREAD_ID's thread (a reference); 0: the process
	owner     taskRef // the thread that armed it (a reference), woken for a process signal
	queuedFor taskRef
	value     uint64 // sigev_value
	interval  uint64 // ns; 0: one-shot
	overrun   int32  // expiries since its signal was queued, less one
	overLast  int32  // overrun of the last signal taken (timer_getoverrun)
}

var posixTimers struct {
	lock   amd64.RawLock
	timer  [maxPosixTimers]posixTimer
	itReal posixTimer
}

// PosixTimerStats counts what the wall-clock timers did.
type PosixTimerStats struct {
	Expiries      uint64 // callbacks run (each period counts)
	Signals       uint64 // POSIX timer signals queued (SI_TIMER)
	Taken         uint64 // of those, taken by their thread
	Overruns      uint64 // expiries folded into a pending signal
	ItimerSignals uint64 // SIGALRM sent by ITIMER_REAL
}

var posixTimerStats PosixTimerStats

// PosixTimerStatsOf returns a copy of the counters (for the signals
// tests, which count what the timers sent).
func PosixTimerStatsOf() PosixTimerStats {
	return PosixTimerStats{
		Expiries:      atomic.LoadUint64(&posixTimerStats.Expiries),
		Signals:       atomic.LoadUint64(&posixTimerStats.Signals),
		Taken:         atomic.LoadUint64(&posixTimerStats.Taken),
		Overruns:      atomic.LoadUint64(&posixTimerStats.Overruns),
		ItimerSignals: atomic.LoadUint64(&posixTimerStats.ItimerSignals),
	}
}

// IsPosixTimer reports whether id names a wall-clock timer's slot.
func IsPosixTimer(id int32) bool {
	return id >= PosixTimerBase && id < PosixTimerBase+maxPosixTimers
}

// lookupPosixTimer returns timer id, table locked, or nil.
func lookupPosixTimer(id int32) *posixTimer {
	if !IsPosixTimer(id) || !posixTimers.timer[id-PosixTimerBase].inUse {
		return nil
	}
	return &posixTimers.timer[id-PosixTimerBase]
}

func (pt *posixTimer) id() int32 {
	return PosixTimerBase + int32((uintptr(unsafe.Pointer(pt))-uintptr(unsafe.Pointer(&posixTimers.timer[0])))/unsafe.Sizeof(posixTimer{}))
}

// posixTimerFn is every wall-clock timer's callback (posix_timer_fn,
// it_real_fn). Hardirq context.
//
//go:nosplit
func posixTimerFn(h *HRTimer) HRTimerRestart {
	pt := (*posixTimer)(unsafe.Pointer(h))
	atomic.AddUint64(&posixTimerStats.Expiries, 1)
	fl := posixTimers.lock.Lock()
	missed := int32(0)
	restart := HRTIMER_NORESTART
	if pt.interval != 0 {
		missed = int32(HRTimerForward(h, Nanotime(), pt.interval)) - 1
		restart = HRTIMER_RESTART
	}
	var wake *Task
	switch {
	case pt.itReal:
		wake = queueProcessSignal(SIGALRM, pt.owner)
		atomic.AddUint64(&posixTimerStats.ItimerSignals, 1)
	case pt.notify != SIGEV_NONE:
		wake = pt.event(missed)
	}
	posixTimers.lock.Unlock(fl)
	if wake != nil {
		signalWakeUp(wake)
		PutTaskStruct(wake)
	}
	return restart
}

// event queues the timer's signal, or counts overruns if the last one is
// still pending (posix_timer_event). It returns the thread to wake, with
// a reference. The table is locked.
func (pt *posixTimer) event(missed int32) *Task {
	if pt.queued {
		if t := pt.queuedFor.ptr(); atomic.LoadUint64(&t.Signal.pending)&sigmask(int(pt.signo)) != 0 {
			pt.overrun += 1 + missed
			atomic.AddUint64(&posixTimerStats.Overruns, uint64(1+missed))
			return nil
		}
		// Queued and dropped since (ignored, or its action reset).
	}
	var t *Task
	if pt.target != 0 {
		t = pt.target.ptr()
		GetTaskStruct(t)
	} else if t = processSignalTarget(int(pt.signo), pt.owner); t == nil {
		return nil // every thread blocks it: lost, as no queue waits here
	}
	if t.State == TASK_DEAD || sigIgnored(t, int(pt.signo)) {
		PutTaskStruct(t)
		return nil
	}
	pt.queued, pt.queuedFor, pt.overrun = true, refOf(t), missed
	atomic.AndUint64(&t.Signal.tkill, ^sigmask(int(pt.signo)))
	atomic.OrUint64(&t.Signal.timer, sigmask(int(pt.signo)))
	atomic.OrUint64(&t.Signal.pending, sigmask(int(pt.signo)))
	atomic.AddUint64(&posixTimerStats.Signals, 1)
	return t
}

// processSignalTarget picks the thread that takes a process signal sent
// from a timer: the interrupted thread, the timer's owner, or the first
// thread of the program, each only if it does not block sig. It returns
// it with a reference, or nil. Any context.
func processSignalTarget(sig int, owner taskRef) *Task {
	if cur := Current(); takesProcessSignal(cur, sig) {
		GetTaskStruct(cur)
		return cur
	}
	if owner != 0 && takesProcessSignal(owner.ptr(), sig) {
		GetTaskStruct(owner.ptr())
		return owner.ptr()
	}
	var t *Task
	fl := tasks.lock.Lock()
	for _, r := range tasks.all {
		if r != 0 && takesProcessSignal(r.ptr(), sig) {
			t = r.ptr()
			GetTaskStruct(t)
			break
		}
	}
	tasks.lock.Unlock(fl)
	return t
}

// takesProcessSignal reports whether t may take the process signal sig
// now: a thread of the program (kthreads take none), alive, not blocking it.
func takesProcessSignal(t *Task, sig int) bool {
	return t.kind == taskThread && t.State != TASK_DEAD && t.Signal.blocked&sigmask(sig) == 0
}

// queueProcessSignal queues sig for the process as the kernel's
// (SI_KERNEL) and returns the thread to wake, with a reference, or nil.
func queueProcessSignal(sig int, owner taskRef) *Task {
	t := processSignalTarget(sig, owner)
	if t != nil && sigIgnored(t, sig) {
		PutTaskStruct(t)
		return nil
	}
	atomic.OrUint64(&sharedKernel, sigmask(sig))
	atomic.OrUint64(&sharedPending, sigmask(sig))
	return t
}

// dequeuePosixTimerSignal is dequeueTimerSignal's half for the wall-clock
// timers: thread t takes sig with SI_TIMER. found is false if no
// wall-clock timer queued it. The table is locked (by
// dequeueTimerSignal), interrupts are off.
func dequeuePosixTimerSignal(t *Task, sig int) (id, overrun int32, value uint64, found bool) {
	for i := range posixTimers.timer {
		pt := &posixTimers.timer[i]
		if pt.inUse && pt.queued && pt.queuedFor == refOf(t) && pt.signo == int32(sig) {
			pt.queued = false
			pt.overLast, pt.overrun = pt.overrun, 0
			atomic.AddUint64(&posixTimerStats.Taken, 1)
			return pt.id(), pt.overLast, pt.value, true
		}
	}
	return 0, 0, 0, false
}

// PosixTimerCreate makes a timer on a wall clock (timer_create): notify
// and signo from the sigevent, target the thread of SIGEV_THREAD_ID (a
// reference the timer keeps), value its sigev_value. It returns the
// timer id, or -1 when the table is full (EAGAIN).
func PosixTimerCreate(clock int32, notify, signo int32, target *Task, value uint64) int32 {
	fl := posixTimers.lock.Lock()
	defer posixTimers.lock.Unlock(fl)
	for i := range posixTimers.timer {
		pt := &posixTimers.timer[i]
		if pt.inUse {
			continue
		}
		*pt = posixTimer{inUse: true, clock: clock, notify: notify, signo: signo, value: value}
		pt.timer.SetFunction(posixTimerFn)
		if notify == SIGEV_THREAD_ID {
			GetTaskStruct(target)
			pt.target = refOf(target)
		}
		return pt.id()
	}
	return -1
}

// PosixTimerSetValue sets the sigev_value of timer id's signal.
func PosixTimerSetValue(id int32, value uint64) {
	fl := posixTimers.lock.Lock()
	if pt := lookupPosixTimer(id); pt != nil {
		pt.value = value
	}
	posixTimers.lock.Unlock(fl)
}

// disarmLocked stops pt's hrtimer. If its callback runs right now on
// another CPU, it drops the table's lock, waits and takes it again; it
// reports false if the timer was deleted meanwhile.
func (pt *posixTimer) disarmLocked(fl *uint64, id int32) bool {
	for HRTimerTryToCancel(&pt.timer) < 0 {
		posixTimers.lock.Unlock(*fl)
		amd64.Pause()
		*fl = posixTimers.lock.Lock()
		if id >= 0 && lookupPosixTimer(id) != pt {
			return false
		}
	}
	return true
}

// remainingOf is what is left of pt now: 0 only for a disarmed timer.
// An armed one whose expiry has passed (its callback has not run yet, or
// runs now on another CPU before re-arming it) is reported as 1 ns left,
// as Linux's itimer_get_remaining and common_timer_get do: 0 would say
// disarmed. The table is locked.
func (pt *posixTimer) remainingOf(now uint64) uint64 {
	if !pt.timer.Active() {
		return 0
	}
	return remaining(pt.timer.Expires(), now)
}

// arm starts pt's hrtimer for value from now or, abs, at value on its
// clock; value 0 leaves it disarmed. The table is locked, pt disarmed.
func (pt *posixTimer) arm(abs bool, value, interval uint64) {
	pt.interval = interval
	pt.overrun, pt.overLast = 0, 0
	pt.queued = false // a signal still pending is not this setting's (Linux drops it)
	if old := pt.owner; old != 0 {
		pt.owner = 0
		PutTaskStruct(old.ptr())
	}
	if value == 0 {
		return
	}
	cur := Current()
	GetTaskStruct(cur)
	pt.owner = refOf(cur)
	now := Nanotime()
	expires := now + value
	if abs {
		expires = value
		if pt.clock == clockRealtime {
			expires = uint64(max(int64(value)-Realtime()+int64(now), 0))
		}
	}
	HRTimerStart(&pt.timer, max(expires, 1))
}

// PosixTimerSettime arms (value != 0) or disarms timer id
// (common_timer_set); abs means value is a time on the timer's clock,
// not a delay. It returns the old setting, and false if there is no such
// timer.
func PosixTimerSettime(id int32, abs bool, value, interval uint64) (oldValue, oldInterval uint64, ok bool) {
	fl := posixTimers.lock.Lock()
	defer func() { posixTimers.lock.Unlock(fl) }()
	pt := lookupPosixTimer(id)
	if pt == nil {
		return 0, 0, false
	}
	oldValue, oldInterval = pt.remainingOf(Nanotime()), pt.interval
	if !pt.disarmLocked(&fl, id) {
		return 0, 0, false
	}
	pt.arm(abs, value, interval)
	return oldValue, oldInterval, true
}

// PosixTimerGettime returns what is left of timer id and its interval
// (common_timer_get).
func PosixTimerGettime(id int32) (value, interval uint64, ok bool) {
	fl := posixTimers.lock.Lock()
	defer posixTimers.lock.Unlock(fl)
	pt := lookupPosixTimer(id)
	if pt == nil {
		return 0, 0, false
	}
	return pt.remainingOf(Nanotime()), pt.interval, true
}

// PosixTimerGetoverrun returns the overrun count of timer id's last
// signal taken.
func PosixTimerGetoverrun(id int32) (int32, bool) {
	fl := posixTimers.lock.Lock()
	defer posixTimers.lock.Unlock(fl)
	pt := lookupPosixTimer(id)
	if pt == nil {
		return 0, false
	}
	return pt.overLast, true
}

// PosixTimerDelete disarms and frees timer id and drops its references
// (timer_delete). A signal of it that is still pending stays pending, as
// Linux leaves it.
func PosixTimerDelete(id int32) bool {
	fl := posixTimers.lock.Lock()
	pt := lookupPosixTimer(id)
	if pt == nil || !pt.disarmLocked(&fl, id) {
		posixTimers.lock.Unlock(fl)
		return false
	}
	owner, target := pt.owner, pt.target
	*pt = posixTimer{}
	posixTimers.lock.Unlock(fl)
	if owner != 0 {
		PutTaskStruct(owner.ptr())
	}
	if target != 0 {
		PutTaskStruct(target.ptr())
	}
	return true
}

// SetItimerReal sets ITIMER_REAL (value 0 disarms) and returns the old
// setting (do_setitimer).
func SetItimerReal(value, interval uint64) (oldValue, oldInterval uint64) {
	fl := posixTimers.lock.Lock()
	defer func() { posixTimers.lock.Unlock(fl) }()
	pt := &posixTimers.itReal
	if !pt.inUse {
		*pt = posixTimer{inUse: true, itReal: true, clock: clockMonotonic, signo: SIGALRM}
		pt.timer.SetFunction(posixTimerFn)
	}
	oldValue, oldInterval = pt.remainingOf(Nanotime()), pt.interval
	pt.disarmLocked(&fl, -1)
	pt.arm(false, value, interval)
	return oldValue, oldInterval
}

// GetItimerReal returns what is left of ITIMER_REAL and its interval.
func GetItimerReal() (value, interval uint64) {
	fl := posixTimers.lock.Lock()
	defer posixTimers.lock.Unlock(fl)
	pt := &posixTimers.itReal
	return pt.remainingOf(Nanotime()), pt.interval
}
