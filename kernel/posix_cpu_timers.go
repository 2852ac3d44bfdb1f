package kernel

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
)

// Timers that expire by CPU time, not wall time: the profiling itimers
// (setitimer ITIMER_PROF and ITIMER_VIRTUAL, on the process's CPU time)
// and POSIX timers on a CPU-time clock (timer_create with
// CLOCK_THREAD_CPUTIME_ID, CLOCK_PROCESS_CPUTIME_ID or a clock that
// MAKE_THREAD_CPUCLOCK built). They follow Linux's
// kernel/time/posix-cpu-timers.c and itimer.c.
//
// The Go runtime profiles with them (runtime/os_linux.go): each thread
// creates a timer on its own CPU clock that signals itself with SIGPROF
// (SIGEV_THREAD_ID), and the process also arms ITIMER_PROF. Its handler
// tells the two apart by si_code (validSIGPROF): a POSIX timer's signal
// is SI_TIMER, the itimer's is SI_KERNEL, and a thread with a timer of
// its own counts only SI_TIMER ones, so that no CPU time is sampled
// twice. So the codes matter as much as the signals.
//
// Expiry is checked where Linux checks it, in the tick
// (run_posix_cpu_timers from update_process_times), for the running
// task: the CPU time of a task advances only while it runs, so only the
// tick that finds it running can see one of its timers expire. A timer on
// the process's clock is checked by every tick that finds a task of the
// process running, on any CPU. The precision is the tick: a 10 ms timer
// at HZ=250 fires at the first tick past its 10 ms of CPU time, and if
// several periods passed, once, with the others counted as overruns.
//
// Signals: a POSIX timer queues its signal once; until it is taken, each
// further expiry only adds to the overrun count, which the delivery
// reports in si_overrun and timer_getoverrun returns afterwards (Linux's
// it_overrun_last). The itimers send SIGPROF or SIGVTALRM to the process,
// taken by the running thread (Linux's check_process_timers sends it
// from the tick of a running thread, and complete_signal prefers it).
//
// All timers are in one table under one raw lock (a process has few: the
// runtime makes one per thread), outside the Go heap. Lock order:
// cpuTimers.lock, then sighand's and the run queues' (a signal sent from
// the tick wakes its target). The tick does not look at the table when
// no timer is armed.

// Which itimer (setitimer(2)).
const (
	ITIMER_REAL    = 0
	ITIMER_VIRTUAL = 1
	ITIMER_PROF    = 2
)

// sigev_notify values (include/uapi/asm-generic/siginfo.h).
const (
	SIGEV_SIGNAL    = 0
	SIGEV_NONE      = 1
	SIGEV_THREAD_ID = 4
)

// SI_TIMER is the si_code of a POSIX timer's signal.
const SI_TIMER = -2

// maxCPUTimers bounds the POSIX CPU-time timers of the process.
const maxCPUTimers = 128

// cpuTimer is one POSIX timer on a CPU-time clock (struct k_itimer with
// its cpu_timer).
type cpuTimer struct {
	inUse     bool
	queued    bool    // its signal is pending on target, not yet taken
	task      taskRef // whose CPU time it measures; 0: the process's
	target    taskRef // the thread it signals (SIGEV_THREAD_ID); 0: the process
	notify    int32
	signo     int32
	value     uint64 // sigev_value, for si_value
	expires   uint64 // CPU time it fires at, ns; 0: disarmed
	interval  uint64
	overrun   int32 // expiries since its signal was queued, less one
	overLast  int32 // overrun of the last signal taken (timer_getoverrun)
	queuedFor taskRef
	expiries  uint64 // periods that have expired since timer_create (CPUTimerExpiries)
}

// itimer is ITIMER_PROF or ITIMER_VIRTUAL (struct cpu_itimer).
type itimer struct {
	expires, incr uint64 // on the process's CPU time, ns; expires 0: disarmed
}

var cpuTimers struct {
	lock   amd64.RawLock
	armed  atomic.Int32 // timers and itimers with expires != 0
	timer  [maxCPUTimers]cpuTimer
	itimer [3]itimer // indexed by ITIMER_*; ITIMER_REAL is not here
}

// CPUTimerStats counts what the timers did, for tests and the curious.
type CPUTimerStats struct {
	TimerSignals  uint64 // POSIX timer signals queued
	TimerTaken    uint64 // of those, taken by their thread (SI_TIMER)
	Overruns      uint64 // expiries folded into a pending signal
	ItimerSignals uint64 // SIGPROF and SIGVTALRM sent by the itimers
}

var cpuTimerStats CPUTimerStats

// CPUTimerStatsOf returns a copy of the counters (for the signals tests,
// which count what the timers sent).
func CPUTimerStatsOf() CPUTimerStats {
	return CPUTimerStats{
		TimerSignals:  atomic.LoadUint64(&cpuTimerStats.TimerSignals),
		TimerTaken:    atomic.LoadUint64(&cpuTimerStats.TimerTaken),
		Overruns:      atomic.LoadUint64(&cpuTimerStats.Overruns),
		ItimerSignals: atomic.LoadUint64(&cpuTimerStats.ItimerSignals),
	}
}

// runPosixCPUTimers charges the running task its CPU time and fires the
// CPU-time timers that expired. Called by the tick for a task that is not
// idle. Hardirq context.
//
//go:nosplit
func runPosixCPUTimers(curr *Task, now uint64) {
	accountCPUTime(curr, now)
	if cpuTimers.armed.Load() == 0 {
		return
	}
	threadNow, procNow := curr.cputime.sum, processCPUTime.Load()
	fl := cpuTimers.lock.Lock()
	for i := range cpuTimers.itimer {
		it := &cpuTimers.itimer[i]
		if it.expires == 0 || procNow < it.expires {
			continue
		}
		// check_cpu_itimer: one signal, the next expiry one period on.
		if it.incr != 0 {
			it.expires += it.incr
		} else {
			it.expires = 0
			cpuTimers.armed.Add(-1)
		}
		sig := SIGPROF
		if i == ITIMER_VIRTUAL {
			sig = SIGVTALRM
		}
		atomic.AddUint64(&cpuTimerStats.ItimerSignals, 1)
		sendKernelSignalToProcess(sig)
	}
	for i := range cpuTimers.timer {
		tm := &cpuTimers.timer[i]
		if !tm.inUse || tm.expires == 0 {
			continue
		}
		cpuNow := procNow
		if tm.task != 0 {
			if tm.task != refOf(curr) {
				continue
			}
			cpuNow = threadNow
		}
		if cpuNow >= tm.expires {
			fireCPUTimer(int32(i), tm, curr, cpuNow)
		}
	}
	cpuTimers.lock.Unlock(fl)
}

// fireCPUTimer moves an expired timer to its next period and queues its
// signal, or counts an overrun if the last one is still pending. The
// table is locked.
//
//go:nosplit
func fireCPUTimer(id int32, tm *cpuTimer, curr *Task, now uint64) {
	missed := int32(0)
	tm.expiries++
	if tm.interval != 0 {
		n := (now-tm.expires)/tm.interval + 1
		tm.expires += n * tm.interval
		missed = int32(n - 1)
		tm.expiries += n - 1
	} else {
		tm.expires = 0
		cpuTimers.armed.Add(-1)
	}
	if tm.notify == SIGEV_NONE {
		return
	}
	target := tm.target
	if target == 0 {
		target = refOf(curr) // to the process: the running thread takes it
	}
	t := target.ptr()
	if tm.queued && atomic.LoadUint64(&t.Signal.pending)&sigmask(int(tm.signo)) != 0 {
		tm.overrun += 1 + missed
		atomic.AddUint64(&cpuTimerStats.Overruns, uint64(1+missed))
		return
	}
	// Not queued, or queued and dropped since (ignored, or its action
	// reset): queue it afresh.
	tm.queued, tm.queuedFor, tm.overrun = true, target, missed
	if t.State == TASK_DEAD || !sendTimerSignal(t, int(tm.signo)) {
		tm.queued = false
		return
	}
	atomic.AddUint64(&cpuTimerStats.TimerSignals, 1)
}

// dequeueTimerSignal takes thread t's pending timer signal sig (si_code
// SI_TIMER): it finds the timer whose signal it is, records its overrun
// for timer_getoverrun, clears the pending bit and returns what the
// siginfo reports. ok is false if no timer counts the signal as queued
// (the timer was re-armed or deleted since): the signal is dropped, as
// Linux drops it (it would name no timer). Both timer tables stay locked
// from the lookup to the clearing of the bit, so an expiry on another
// CPU, which asks under its table's lock whether its last signal is
// still pending, sees the signal either pending or taken: never taken
// and not yet accounted, in which case it queued a second signal afresh,
// the overruns counted so far were lost and the second signal named no
// timer. Lock order: cpuTimers.lock, then posixTimers.lock. Interrupts
// are off.
//
//go:nosplit
func dequeueTimerSignal(t *Task, sig int) (id, overrun int32, value uint64, ok bool) {
	fl := cpuTimers.lock.Lock()
	pfl := posixTimers.lock.Lock()
	for i := range cpuTimers.timer {
		tm := &cpuTimers.timer[i]
		if tm.inUse && tm.queued && tm.queuedFor == refOf(t) && tm.signo == int32(sig) {
			tm.queued = false
			tm.overLast, tm.overrun = tm.overrun, 0
			id, overrun, value, ok = int32(i), tm.overLast, tm.value, true
			atomic.AddUint64(&cpuTimerStats.TimerTaken, 1)
			break
		}
	}
	if !ok {
		id, overrun, value, ok = dequeuePosixTimerSignal(t, sig) // posix_timers.go
	}
	atomic.AndUint64(&t.Signal.timer, ^sigmask(sig))
	atomic.AndUint64(&t.Signal.pending, ^sigmask(sig))
	posixTimers.lock.Unlock(pfl)
	cpuTimers.lock.Unlock(fl)
	return
}

// sendTimerSignal queues sig for thread t as a POSIX timer's signal
// (si_code SI_TIMER) and wakes it; false if t ignores it. Hardirq
// context.
//
//go:nosplit
func sendTimerSignal(t *Task, sig int) bool {
	if sigIgnored(t, sig) {
		return false
	}
	atomic.AndUint64(&t.Signal.tkill, ^sigmask(sig))
	atomic.OrUint64(&t.Signal.timer, sigmask(sig))
	atomic.OrUint64(&t.Signal.pending, sigmask(sig))
	signalWakeUp(t)
	return true
}

// sendKernelSignalToProcess queues sig for the process as the kernel's
// (si_code SI_KERNEL: Linux's SEND_SIG_PRIV), for the running thread to
// take at its interrupt return. If that thread blocks it, it waits in the
// process's set for the first thread that unblocks it or passes through
// its return with TIF_SIGPENDING; unlike kill(), no other thread is
// searched for from the tick. Hardirq context.
//
//go:nosplit
func sendKernelSignalToProcess(sig int) {
	cur := Current()
	if sigIgnored(cur, sig) {
		return
	}
	atomic.OrUint64(&sharedKernel, sigmask(sig))
	atomic.OrUint64(&sharedPending, sigmask(sig))
	if cur.Signal.blocked&sigmask(sig) == 0 {
		atomic.OrUint64(&cur.ThreadInfo.Flags, TIF_SIGPENDING)
	}
}

// TimerCreate makes a timer on a CPU clock: clock is the thread whose CPU
// time it measures (a reference the timer keeps), nil for the process.
// target is the thread it signals under SIGEV_THREAD_ID (also kept).
// It returns the timer id, or -1 when the table is full (EAGAIN).
func TimerCreate(clock *Task, notify int32, signo int32, target *Task, value uint64) int32 {
	fl := cpuTimers.lock.Lock()
	defer cpuTimers.lock.Unlock(fl)
	for i := range cpuTimers.timer {
		tm := &cpuTimers.timer[i]
		if tm.inUse {
			continue
		}
		*tm = cpuTimer{inUse: true, notify: notify, signo: signo, value: value}
		if clock != nil {
			GetTaskStruct(clock)
			tm.task = refOf(clock)
		}
		if notify == SIGEV_THREAD_ID {
			GetTaskStruct(target)
			tm.target = refOf(target)
		}
		return int32(i)
	}
	return -1
}

// TimerSetValue sets the sigev_value timer id's signal carries (the id
// itself when timer_create had no sigevent).
func TimerSetValue(id int32, value uint64) {
	fl := cpuTimers.lock.Lock()
	if tm := lookupTimer(id); tm != nil {
		tm.value = value
	}
	cpuTimers.lock.Unlock(fl)
}

// lookupTimer returns timer id, locked table held, or nil.
func lookupTimer(id int32) *cpuTimer {
	if id < 0 || id >= maxCPUTimers || !cpuTimers.timer[id].inUse {
		return nil
	}
	return &cpuTimers.timer[id]
}

// clockNowOf is the CPU time of the clock timer tm measures.
func (tm *cpuTimer) clockNow() uint64 {
	if tm.task == 0 {
		return ProcessCPUTime()
	}
	return TaskCPUTime(tm.task.ptr())
}

// remaining converts an expiry to the time left on clock now (Linux
// reports an expired, not yet fired timer as 1 ns left).
func remaining(expires, now uint64) uint64 {
	switch {
	case expires == 0:
		return 0
	case expires <= now:
		return 1
	}
	return expires - now
}

// TimerSettime arms (value != 0) or disarms timer id; abs means value is
// a CPU time, not a delay. It returns the old setting and false if there
// is no such timer.
func TimerSettime(id int32, abs bool, value, interval uint64) (oldValue, oldInterval uint64, ok bool) {
	fl := cpuTimers.lock.Lock()
	defer cpuTimers.lock.Unlock(fl)
	tm := lookupTimer(id)
	if tm == nil {
		return 0, 0, false
	}
	now := tm.clockNow()
	oldValue, oldInterval = remaining(tm.expires, now), tm.interval
	if tm.expires != 0 {
		cpuTimers.armed.Add(-1)
	}
	tm.expires, tm.interval = 0, interval
	if value != 0 {
		if !abs {
			value += now
		}
		tm.expires = value
		cpuTimers.armed.Add(1)
	}
	tm.overrun, tm.overLast = 0, 0
	return oldValue, oldInterval, true
}

// TimerGettime returns what is left of timer id and its interval.
func TimerGettime(id int32) (value, interval uint64, ok bool) {
	fl := cpuTimers.lock.Lock()
	defer cpuTimers.lock.Unlock(fl)
	tm := lookupTimer(id)
	if tm == nil {
		return 0, 0, false
	}
	return remaining(tm.expires, tm.clockNow()), tm.interval, true
}

// TimerGetoverrun returns the overrun count of timer id's last signal.
func TimerGetoverrun(id int32) (int32, bool) {
	fl := cpuTimers.lock.Lock()
	defer cpuTimers.lock.Unlock(fl)
	tm := lookupTimer(id)
	if tm == nil {
		return 0, false
	}
	return tm.overLast, true
}

// CPUTimerExpiries returns how many periods of timer id have expired
// since it was created, as the tick saw them: each signal queued, each
// expiry folded into a pending one as an overrun, and the periods a late
// tick found passed at once (tests wait for this count, not for CPU
// time, which a tick the host delays does not follow).
func CPUTimerExpiries(id int32) (n uint64, ok bool) {
	fl := cpuTimers.lock.Lock()
	defer cpuTimers.lock.Unlock(fl)
	tm := lookupTimer(id)
	if tm == nil {
		return 0, false
	}
	return tm.expiries, true
}

// TimerDelete disarms and frees timer id, and drops its references.
func TimerDelete(id int32) bool {
	fl := cpuTimers.lock.Lock()
	tm := lookupTimer(id)
	if tm == nil {
		cpuTimers.lock.Unlock(fl)
		return false
	}
	if tm.expires != 0 {
		cpuTimers.armed.Add(-1)
	}
	task, target := tm.task, tm.target
	*tm = cpuTimer{}
	cpuTimers.lock.Unlock(fl)
	if task != 0 {
		PutTaskStruct(task.ptr())
	}
	if target != 0 {
		PutTaskStruct(target.ptr())
	}
	return true
}

// SetItimer sets ITIMER_PROF or ITIMER_VIRTUAL (value 0 disarms) and
// returns the old setting, as setitimer(2).
func SetItimer(which int, value, interval uint64) (oldValue, oldInterval uint64) {
	fl := cpuTimers.lock.Lock()
	defer cpuTimers.lock.Unlock(fl)
	it := &cpuTimers.itimer[which]
	now := ProcessCPUTime()
	oldValue, oldInterval = remaining(it.expires, now), it.incr
	if it.expires != 0 {
		cpuTimers.armed.Add(-1)
	}
	it.expires, it.incr = 0, interval
	if value != 0 {
		it.expires = now + value
		cpuTimers.armed.Add(1)
	}
	return oldValue, oldInterval
}

// GetItimer returns what is left of ITIMER_PROF or ITIMER_VIRTUAL and its
// interval.
func GetItimer(which int) (value, interval uint64) {
	fl := cpuTimers.lock.Lock()
	defer cpuTimers.lock.Unlock(fl)
	it := &cpuTimers.itimer[which]
	return remaining(it.expires, ProcessCPUTime()), it.incr
}
