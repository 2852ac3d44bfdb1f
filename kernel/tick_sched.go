package kernel

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
	"gopreempt/percpu"
)

// The scheduler tick as a high-resolution timer (Linux's tick_sched_timer,
// kernel/time/tick-sched.c). Once the clock event device is one-shot,
// nothing interrupts a CPU HZ times a second by itself: each CPU keeps a
// periodic hrtimer whose callback is the tick (schedulerTick, tick.go)
// and which restarts itself one period on.
//
// The period is read from HZ at every restart, so hz= on the command
// line (applied after the CPUs are up) takes effect at each CPU's next
// tick. The timer is forwarded past now by whole periods
// (hrtimer_forward): ticks a starved emulator could not deliver are not
// made up in a burst, and the tick never drifts from its first phase.
//
// Interrupt context: tickSchedTimer runs in hardirq context (hrtimer.go).

// tickTimers are the CPUs' tick timers (tick_cpu_sched.sched_timer), a
// per-CPU variable (percpu.go).

// TickPeriod is the tick's period in nanoseconds (TICK_NSEC).
func TickPeriod() uint64 { return uint64(1e9) / uint64(HZ) }

// tickSchedTimer is the tick's callback. Hardirq context.
//
//go:nosplit
func tickSchedTimer(t *HRTimer) HRTimerRestart {
	b := percpu.ThisCPUPtr(hrtimerBases)
	b.tickRan = true
	b.stats.TickRuns++
	if cpu := percpu.RawSmpProcessorID(); percpu.PerCPU(nohzIdles, cpu).ending {
		percpu.PerCPU(nohzStats, cpu).IdleTicks++ // this interrupt ended a halt
	}
	schedulerTick()
	nohzBalancerKick(thisRQ())
	HRTimerForward(t, Nanotime(), TickPeriod())
	return HRTIMER_RESTART
}

// tickSetup starts this CPU's tick (tick_setup_sched_timer), one period
// from now. Called once per CPU when its clock event device is ready,
// with interrupts off.
func tickSetup() {
	t := percpu.ThisCPUPtr(tickTimers)
	t.SetFunction(tickSchedTimer)
	HRTimerStart(t, Nanotime()+TickPeriod())
}

// TickTimerOf returns CPU cpu's tick timer's expiry and whether it is
// queued (tests: the tick is armed, one period or less ahead).
func TickTimerOf(cpu int) (expires uint64, armed bool) {
	b := percpu.PerCPU(hrtimerBases, cpu)
	fl := b.lock.Lock()
	t := percpu.PerCPU(tickTimers, cpu)
	expires, armed = t.expires, t.armed || b.running == t.addr()
	b.lock.Unlock(fl)
	return
}

// NO_HZ_IDLE: an idle CPU stops its tick (tick_nohz_idle_stop_tick,
// tick_nohz_idle_restart_tick). A CPU that halts with nothing to run
// has no use for the tick: its sleepers have timers of their own, and a
// wake-up of a task there comes with a reschedule IPI. So the idle loop
// defers the tick timer by a second before it halts (the one tick a
// second is the stall detector's: below), the clock event device is
// programmed for the next timer left (or stopped), and an idle CPU sleeps
// until something is due rather than HZ times a second. The first
// interrupt that ends the halt is followed by the restart: the tick timer
// is forwarded past now by whole periods, keeping its phase, and queued.
//
// What the tick did on an idle CPU is done otherwise:
//   - CPU 0 never stops its tick: it runs the stall
//     detector's scan (stall.go), which must go on while the other CPUs
//     sleep (Linux hands tick_do_timer_cpu on; keeping it on CPU 0 is
//     simpler and costs one CPU's ticks). The others take one tick a
//     second while idle, so that a CPU 0 stuck with interrupts off is
//     still seen by another CPU's scan.
//   - The stall detector does not take a stopped tick for a hard lockup
//     (tickStopped), and a stopping CPU clears what its last tick said
//     about preemption being off.
//   - An idle CPU balanced load at every tick; now a busy CPU whose tick
//     finds tasks waiting sends a stopped CPU a reschedule IPI, and the
//     idle loop that wakes balances (Linux's nohz_balancer_kick and
//     nohz idle balancing).
//
// Races: stop and restart run on their own CPU, in the idle task, with
// interrupts off; the tick's callback runs on that CPU too, so it cannot
// be running while the tick is stopped. tickStopped is read by other
// CPUs without a lock: a kick that reads a stale true sends one IPI for
// nothing; one that reads a stale false sends none and the next kick
// (sixteen ticks later) does.

// NoHZ turns NO_HZ_IDLE on (the default) or off (nohz=off in Linux);
// tests switch it.
var NoHZ = true

// tickStopState is whether a CPU's tick is stopped, a per-CPU variable
// (tickStoppedCPUs, percpu.go) that other CPUs read on their ticks.
type tickStopState struct {
	stopped atomic.Bool
}

// NohzStats counts a CPU's idle halts and tick stops (tests and
// reports). IdleWakeups per second of IdleNs is the rate of interrupts an
// idle CPU takes: at least HZ with a tick that never stops.
type NohzStats struct {
	Stops       uint64 // the idle loop stopped the tick
	Restarts    uint64
	Kicks       uint64 // reschedule IPIs this CPU sent to idle CPUs to balance
	IdleNs      uint64 // time halted in the idle loop
	IdleWakeups uint64 // halts ended (each by an interrupt)
	// IdleWakeupsNoIRQ counts, of those, the halts the idle loop found
	// ended with no interrupt through handleIRQ: ended by an NMI
	// (irq_stats.go counts them), or by nothing, which would be a bug.
	// The others are counted by the vector that ended them, in
	// IRQStats.IdleEnds.
	IdleWakeupsNoIRQ uint64
	// IdleTicks counts the halts ended by the tick: the interrupt that
	// ended the halt ran the tick's callback. A reschedule IPI or a
	// sleeper's timer that ends a halt is not one. With a tick that
	// never stops, IdleTicks per second of IdleNs is HZ (less the ticks
	// a starved emulator loses); with the tick deferred, about one.
	IdleTicks uint64
}

// NohzStatsOf returns a copy of CPU cpu's NO_HZ statistics; IdleNs
// includes the halt in progress, if any (read without a lock: a
// statistic).
// For tests and reports.
func NohzStatsOf(cpu int) NohzStats {
	st := *percpu.PerCPU(nohzStats, cpu)
	if start := atomic.LoadUint64(&percpu.PerCPU(nohzIdles, cpu).start); start != 0 {
		if now := Nanotime(); now > start {
			st.IdleNs += now - start
		}
	}
	return st
}

// tickStopped reports whether CPU cpu's tick is stopped (any CPU).
func tickStopped(cpu int) bool {
	return percpu.PerCPU(tickStoppedCPUs, cpu).stopped.Load()
}

// nohzIdle is a CPU's idle state between the idle loop's halt and the
// interrupt that ends it. Written only by its CPU, with interrupts off.
type nohzIdle struct {
	start       uint64 // when the halt began, 0 when not halted
	stopped     bool   // the tick was stopped for it
	tickExpires uint64 // the tick's expiry when it stopped
	ending      bool   // the interrupt in progress ended the halt
}

// nohzMaxDeferment is how long a stopped tick may stay away: an idle CPU
// still takes one tick a second (ns).
const nohzMaxDeferment = 1e9

// tickNohzIdleEnter stops this CPU's tick if it may, deferring it by
// nohzMaxDeferment: called by the idle loop just before it halts, with
// interrupts off.
func tickNohzIdleEnter(rq *RunQueue) {
	cpu := percpu.RawSmpProcessorID()
	idle := percpu.PerCPU(nohzIdles, cpu)
	atomic.StoreUint64(&idle.start, Nanotime())
	idle.stopped = false
	if !NoHZ || cpu == 0 || rq.nrRunning > 0 || NeedResched() {
		return
	}
	t := percpu.PerCPU(tickTimers, cpu)
	if HRTimerTryToCancel(t) != 1 {
		return // not started yet
	}
	// Deferred, not cancelled for good: one tick a second keeps the
	// stall detector's scan going on idle CPUs, which is what watches a
	// CPU stuck with interrupts off (Linux's watchdog hrtimer runs on
	// idle CPUs too).
	idle.tickExpires = t.expires
	HRTimerStart(t, idle.start+nohzMaxDeferment)
	hrtimerForceReprogram()
	percpu.PerCPU(stallCPUs, cpu).preemptOff.Store(0)
	percpu.PerCPU(tickStoppedCPUs, cpu).stopped.Store(true)
	idle.stopped = true
	percpu.PerCPU(nohzStats, cpu).Stops++
}

// tickIrqEnter ends an idle halt (tick_irq_enter): it counts the halt
// and restarts the tick if the idle loop stopped it, and reports whether
// there was a halt to end. Every interrupt calls it first (handleIRQ,
// irq.go): the interrupt that ends a halt may preempt the idle task on
// its way out, before the idle loop runs again, and the task switched
// to must find its CPU ticking. Hardirq context, or the idle loop with
// interrupts off.
//
//go:nosplit
func tickIrqEnter() bool {
	cpu := percpu.RawSmpProcessorID()
	idle := percpu.PerCPU(nohzIdles, cpu)
	if idle.start == 0 {
		idle.ending = false // an interrupt after the one that ended the halt
		return false
	}
	idle.ending = true
	now := Nanotime()
	st := percpu.PerCPU(nohzStats, cpu)
	st.IdleNs += now - idle.start
	st.IdleWakeups++
	atomic.StoreUint64(&idle.start, 0)
	if idle.stopped {
		idle.stopped = false
		st.Restarts++
		t := percpu.PerCPU(tickTimers, cpu)
		percpu.PerCPU(stallCPUs, cpu).lastTick.Store(now) // the tick was stopped, not lost
		percpu.PerCPU(tickStoppedCPUs, cpu).stopped.Store(false)
		if t.expires > now {
			// Woken before the deferred tick: back to the phase the
			// tick had. (When the deferred tick is what is due, it
			// runs in this interrupt and restarts itself.)
			HRTimerCancel(t)
			t.expires = idle.tickExpires
			HRTimerForward(t, now, TickPeriod())
			HRTimerStart(t, t.expires)
		}
	}
	return true
}

// tickNohzIdleExit follows the halt in the idle loop: the interrupt that
// ended it has already restarted the tick (tickIrqEnter); this makes
// sure of it, and counts a halt that no interrupt through handleIRQ
// ended (IdleWakeupsNoIRQ). Interrupts on.
func tickNohzIdleExit() {
	fl := amd64.IrqSave()
	if tickIrqEnter() {
		percpu.ThisCPUPtr(nohzStats).IdleWakeupsNoIRQ++
	}
	amd64.IrqRestore(fl)
}

// TickStopped reports whether CPU cpu's tick is stopped (tests).
func TickStopped(cpu int) bool { return tickStopped(cpu) }

// nohzBalancerKick runs on a busy CPU's tick: when tasks wait on its
// queue, one CPU whose tick is stopped is sent a reschedule IPI, so that
// its idle loop wakes and pulls (nohz_balancer_kick). Hardirq context.
func nohzBalancerKick(rq *RunQueue) {
	if !NoHZ || rq.nrRunning == 0 || rq.Stats.Ticks%16 != uint64(rq.cpu)%16 {
		return
	}
	for cpu := 1; cpu < OnlineCPUs(); cpu++ {
		if cpu != rq.cpu && tickStopped(cpu) {
			percpu.PerCPU(nohzStats, rq.cpu).Kicks++
			smpSendReschedule(cpu)
			return
		}
	}
}
