package kernel

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
	"gopreempt/percpu"
)

// The stall detector: what the kernel prints when it stops making
// progress, instead of a silent hang until some outer timeout.
//
// Everything the kernel runs above its interrupt handlers is Go code
// managed by the runtime, which stops the world now and then and waits
// for every goroutine to reach a safe point. A task that is never run
// again, or a wake-up that is lost, leaves the runtime waiting for ever:
// its timers stop, and with them every test timeout. The timer interrupt
// still runs, though, and it can see the scheduler's own state.
//
// The detector needs nothing from the Go runtime: no goroutine, no timer,
// no thread in a system call. Any of those would keep the runtime's
// checkdead from ever seeing that all goroutines are blocked, and Go's
// "all goroutines are asleep - deadlock!" would become a silent hang. An
// idle machine is not a stall either: tasks asleep without a timeout (a
// futex wait, a read of the console) may sleep for ever. What it looks
// for is a state the kernel promised would not last, the way Linux's
// lockup and hung-task detectors do:
//
//	hard lockup  a CPU has taken no timer tick for StallLimit: it runs
//	             with interrupts off (only another CPU can notice)
//	soft lockup  a CPU's task has had preemption off for StallLimit
//	starved      a task has been runnable for StallLimit without being
//	             run (queued on a CPU that never schedules, or that
//	             was never told to)
//	overslept    a task asleep with a timeout is StallLimit past it
//	             (a lost timer wake-up)
//
// Each CPU's tick records its time and whether its task has preemption
// off (only the CPU itself can read that without a race); a task records
// when it became runnable (enqueue) and forgets it when schedule() picks
// it. Once a second one tick looks at the whole machine, in the order
// above, causes before their effects: a task starved on a CPU stuck with
// preemption off was queued at most a time slice before the CPU got
// stuck (or it would have run), well under the second between two scans,
// so by the time a finding is believed the lockup is the one found. The
// scan reads other CPUs' tasks without their locks, and a task it reads
// may be exiting; so a finding is only believed when the next scan, a
// second later, makes the same one (same CPU or task, same start time):
// a torn read does not last a second.
//
// The report then prints every task's scheduling state, every run queue
// and how long ago each CPU last took a tick, once, under the report
// lock (oops_lock.go), as each CPU's part and the closing lines are. Every CPU adds where
// its timer interrupted it, with a backtrace (what runs there now is in
// no saved state); a CPU that does not answer gets an NMI. Under
// panic=exit (the tests) the machine then exits with the BUG status;
// otherwise it goes on, in case the stall ends.
//
// A stall of the Go runtime alone, such as a stop-the-world that waits
// for a goroutine in a loop without safe points, is not the kernel's: its
// tasks keep switching and sleeping as they should, and the detector
// stays silent. On one CPU a CPU stuck with interrupts off takes nothing
// at all, and goes unseen.
//
// The checks and the report run in interrupt context: no allocation.

// StallLimit is how long (ns) a state on the list above may last; a test
// that stalls the kernel on purpose shortens it.
var StallLimit uint64 = 60e9

// stallScanPeriod is the time between two scans of the machine (ns).
const stallScanPeriod = 1e9

var stall struct {
	nextScan atomic.Uint64 // the tick that moves it on scans
	suspect  stallFinding  // what the last scan found: written by the scanner only
	reporter atomic.Uint32 // 1 + the CPU that reported, which finishes the report
	// Each CPU prints where its timer interrupted it (showInterrupted),
	// since what runs there now is not in any saved state; the report
	// is finished when all have, or after finishTicks of the reporter.
	finishTicks int
}

// stallCPU is each CPU's part of the detector's state, a per-CPU
// variable (stallCPUs, percpu.go) that the scanning CPU reads for all.
type stallCPU struct {
	lastTick atomic.Uint64
	// preemptOff is when the task this CPU's last tick interrupted
	// turned preemption off, or 0 if it had it on.
	preemptOff atomic.Uint64
	pending    atomic.Uint32 // showNone, showAsked, showPrinting (showInterrupted)
}

// A stallFinding names a state that has lasted: its kind, the CPU or
// task (taskRef) it is about, and when it began (ns).
type stallFinding struct {
	kind  int
	who   uint64
	since uint64
}

const (
	stallNone = iota
	stallHardLockup
	stallSoftLockup
	stallStarved
	stallOverslept
)

const finishTicks = 50

// A CPU's part in the report: asked for, being printed (the report must
// not end under it, and an NMI must not start it again), done.
const (
	showNone = iota
	showAsked
	showPrinting
)

// checkStall runs on every CPU's tick, in hardirq context.
func checkStall(now uint64) {
	cpu := uint32(percpu.RawSmpProcessorID())
	me := percpu.ThisCPUPtr(stallCPUs)
	me.lastTick.Store(now)
	me.preemptOff.Store(preemptOffSince(Current(), now))
	if r := stall.reporter.Load(); r != 0 {
		if r == cpu+1 {
			finishStall()
		}
		return
	}
	next := stall.nextScan.Load()
	if now < next || !stall.nextScan.CompareAndSwap(next, now+stallScanPeriod) {
		return
	}
	f := findStall(now, StallLimit)
	if f.kind == stallNone || f != stall.suspect {
		stall.suspect = f // believed if the next scan finds it too
		return
	}
	if !stall.reporter.CompareAndSwap(0, cpu+1) {
		return
	}
	reportStall(now, f)
}

// preemptOffSince is when t's tick first found it with preemption off
// (preempt_disable, a spinlock) in the section it is in now, or 0 if it
// has it on. preempt_disable() reads no clock (preempt.go), so the tick
// notes the time, now, and the outermost preempt_enable() forgets it: the
// start is late by at most a tick, nothing next to StallLimit. The hardirq
// bits of the tick that asks do not count, nor does the idle task. Only
// t's own CPU writes the field: t, and the tick that interrupted it.
func preemptOffSince(t *Task, now uint64) uint64 {
	if t == nil || t.kind == taskIdle || t.ThreadInfo.PreemptCount&PREEMPT_MASK == 0 {
		return 0
	}
	if t.preemptOffSeen == 0 {
		t.preemptOffSeen = now
	}
	return t.preemptOffSeen
}

// findStall returns the first state, in the order of the list at the top,
// that has lasted limit ns at time now, or a finding of kind stallNone.
func findStall(now, limit uint64) stallFinding {
	for cpu := 0; cpu < OnlineCPUs(); cpu++ {
		if since, ok := cpuHardLockup(cpu, now, limit); ok {
			return stallFinding{stallHardLockup, uint64(cpu), since}
		}
	}
	for cpu := 0; cpu < OnlineCPUs(); cpu++ {
		if since, ok := cpuSoftLockup(cpu, now, limit); ok {
			return stallFinding{stallSoftLockup, uint64(cpu), since}
		}
	}
	for i := range tasks.all {
		if r := tasks.all[i]; r != 0 {
			if since, ok := taskStarved(r.ptr(), now, limit); ok {
				return stallFinding{stallStarved, uint64(r), since}
			}
		}
	}
	for i := range tasks.all {
		if r := tasks.all[i]; r != 0 {
			if since, ok := taskOverslept(r.ptr(), now, limit); ok {
				return stallFinding{stallOverslept, uint64(r), since}
			}
		}
	}
	return stallFinding{}
}

// lasted reports whether a state that began at since (0: not in it) has
// lasted limit ns at time now.
func lasted(since, now, limit uint64) bool {
	return since != 0 && now >= since && now-since >= limit
}

// cpuHardLockup: the CPU has taken no tick since its last one. A CPU
// whose idle loop stopped its tick (NO_HZ_IDLE, tick_sched.go) is halted
// with interrupts on, not locked up.
func cpuHardLockup(cpu int, now, limit uint64) (uint64, bool) {
	if tickStopped(cpu) {
		return 0, false
	}
	t := percpu.PerCPU(stallCPUs, cpu).lastTick.Load()
	return t, lasted(t, now, limit)
}

// cpuSoftLockup: the task the CPU's ticks interrupt has had preemption
// off since.
func cpuSoftLockup(cpu int, now, limit uint64) (uint64, bool) {
	t := percpu.PerCPU(stallCPUs, cpu).preemptOff.Load()
	return t, lasted(t, now, limit)
}

// taskStarved: t has been runnable since and not been picked.
func taskStarved(t *Task, now, limit uint64) (uint64, bool) {
	s := t.runnableSince.Load()
	return s, lasted(s, now, limit)
}

// taskOverslept: t sleeps, and its timer expired at since.
func taskOverslept(t *Task, now, limit uint64) (uint64, bool) {
	if t.State == TASK_RUNNING || t.State == TASK_DEAD || !t.timer.armed {
		return 0, false
	}
	e := t.timer.expires
	return e, lasted(e, now, limit)
}

// markRunnable notes when t became runnable, unless it already was (a
// task moved between run queues keeps its time). rq.lock is held.
func markRunnable(t *Task) {
	if t.runnableSince.Load() == 0 {
		t.runnableSince.Store(Nanotime())
	}
}

// markPicked forgets it: schedule() has chosen t to run. rq.lock is held.
func markPicked(t *Task) { t.runnableSince.Store(0) }

// reportStall prints the finding and the scheduler's state, and asks
// every CPU for its part.
func reportStall(now uint64, f stallFinding) {
	defer oopsEnd(oopsBegin())
	m := Pr(KERN_EMERG).S("INFO: kernel stall: ")
	secs := (now - f.since) / 1e9
	switch f.kind {
	case stallHardLockup:
		m = m.S("hard lockup - cpu").U(f.who).S(" has taken no timer tick for ").U(secs).S(" s (interrupts off?)")
	case stallSoftLockup:
		t := cpuRQ(int(f.who)).curr.ptr()
		m = m.S("soft lockup - cpu").U(f.who).S(" stuck with preemption off for ").U(secs).S(" s [pid ").
			I(int64(t.Pid)).S(" ").B(t.Name[:nameLen(t)]).S("]")
	case stallStarved:
		t := taskRef(f.who).ptr()
		m = m.S("pid ").I(int64(t.Pid)).S(" ").B(t.Name[:nameLen(t)]).S(" runnable on cpu").
			U(uint64(t.ThreadInfo.CPU)).S(" for ").U(secs).S(" s and not run")
	case stallOverslept:
		t := taskRef(f.who).ptr()
		m = m.S("pid ").I(int64(t.Pid)).S(" ").B(t.Name[:nameLen(t)]).S(" asleep ").U(secs).
			S(" s past its timer's expiry")
	}
	m.S("; scheduler state:").Emit()
	for i := range tasks.all {
		if r := tasks.all[i]; r != 0 {
			showTask(r.ptr())
		}
	}
	for cpu := 0; cpu < OnlineCPUs(); cpu++ {
		rq := cpuRQ(cpu)
		m := Pr(KERN_EMERG).S("  cpu").U(uint64(cpu)).S(": last tick ").
			U((now - min(now, percpu.PerCPU(stallCPUs, cpu).lastTick.Load())) / 1e6).S(" ms ago, curr pid ").
			I(int64(rq.curr.ptr().Pid)).S(", model ").S(Model.String()).S(", min_vruntime ").U(rq.minVruntime / 1e6).
			S(" ms, ").U(rq.Stats.Switches).S(" switches, ").U(rq.Stats.Ticks).S(" ticks, ").
			U(uint64(rq.nrRunning)).S(" queued:")
		for q := rq.first(); q != nil; q = rq.next(q) {
			m = m.S(" ").I(int64(q.Pid))
		}
		m.Emit()
	}
	for cpu := 0; cpu < OnlineCPUs(); cpu++ {
		percpu.PerCPU(stallCPUs, cpu).pending.Store(showAsked)
	}
}

// showInterrupted runs on every interrupt return and on an NMI: if the
// stall report asks for it, this CPU prints the context its interrupt
// came from, and it reports whether it did. One CPU prints at a time,
// under the report lock, so that each backtrace stays in one piece: a
// CPU that finds the lock taken tries again on its next interrupt,
// except in an NMI, which may be its only chance and waits (bounded, as
// every wait for the lock is; an NMI that interrupts this CPU's own
// part finds it claimed and leaves at once, and one that interrupts a
// report this CPU is printing nests in it).
func showInterrupted(f *amd64.TrapFrame) bool {
	cpu := percpu.RawSmpProcessorID()
	if !percpu.PerCPU(stallCPUs, cpu).pending.CompareAndSwap(showAsked, showPrinting) {
		return false
	}
	var ticket oopsTicket
	if f.Vector == amd64.VecNMI {
		ticket = oopsBegin()
	} else if ticket = oopsTryBegin(); !ticket.held {
		percpu.PerCPU(stallCPUs, cpu).pending.Store(showAsked)
		return false
	}
	t := Current()
	Pr(KERN_EMERG).S("  cpu").U(uint64(cpu)).S(" was running pid ").I(int64(t.Pid)).S(" at rip ").X(f.RIP).
		S(", backtrace:").Emit()
	if !f.InterruptsWereEnabled() {
		Pr(KERN_EMERG).S("  (with interrupts off: this came by NMI)").Emit()
	}
	Pr(KERN_EMERG).S("  [<0x").X16(f.RIP).S(">]").Emit()
	backtrace(uintptr(f.RBP), 16)
	oopsEnd(ticket)
	percpu.PerCPU(stallCPUs, cpu).pending.Store(showNone)
	return true
}

// A CPU that runs with interrupts off for good takes no tick and no IPI,
// only an NMI (SDM Vol. 3A, 11.6.1: delivery mode 100b), which sendNMI
// sends (smp_ipi.go); the NMI handler then prints, as Linux's NMI
// backtrace does for a hard lockup.

// finishStall ends the report once every CPU has shown itself: under
// panic=exit the machine exits with the BUG status, under panic=halt it
// stops; otherwise it goes on.
func finishStall() {
	if stall.finishTicks < 0 {
		return
	}
	stall.finishTicks++
	if stall.finishTicks == finishTicks/2 {
		for cpu := 0; cpu < OnlineCPUs(); cpu++ {
			if percpu.PerCPU(stallCPUs, cpu).pending.Load() == showAsked {
				sendNMI(cpu)
			}
		}
	}
	for cpu := 0; cpu < OnlineCPUs() && stall.finishTicks < finishTicks; cpu++ {
		if percpu.PerCPU(stallCPUs, cpu).pending.Load() != showNone {
			return
		}
	}
	stall.finishTicks = -1
	ticket := oopsBegin()
	defer oopsEnd(ticket)
	for cpu := 0; cpu < OnlineCPUs(); cpu++ {
		if percpu.PerCPU(stallCPUs, cpu).pending.Load() != showNone {
			Pr(KERN_EMERG).S("  cpu").U(uint64(cpu)).S(" did not answer, not even an NMI").Emit()
		}
	}
	Pr(KERN_EMERG).S("---[ end of stall report ]---").Emit()
	PanicEnd(EndBug)
}

// showTask prints one task's scheduling state, and the system call or
// interrupt it last entered the kernel with (the frame at the top of its
// kernel stack; stale if it has returned since). A dead task's stack may
// be unmapped under us by the CPU reaping it, so it is not read.
func showTask(t *Task) {
	m := Pr(KERN_EMERG).S("  pid ").I(int64(t.Pid)).S(" ").B(t.Name[:nameLen(t)]).
		S(" state ").S(stateLetter(t.State)).S(" cpu ").U(uint64(t.ThreadInfo.CPU)).
		S(" onCPU ").S(boolStr(t.onCPU)).S(" onRQ ").S(boolStr(t.onRQ)).
		S(" preempt_count ").X(uint64(t.ThreadInfo.PreemptCount)).S(" migrateTo ").I(int64(t.migrateTo))
	if t.kind != taskIdle && t.se.rqCPU >= 0 && int(t.se.rqCPU) < OnlineCPUs() {
		// Its place in the fair scheduler: how far its virtual
		// runtime is ahead of its queue's min_vruntime (negative:
		// behind), its run time, and how often it left the CPU.
		lag := int64(t.se.vruntime - atomic.LoadUint64(&cpuRQ(int(t.se.rqCPU)).minVruntime))
		m = m.S(" nice ").I(int64(t.Nice)).S(" vlag ").I(lag / 1e3).S(" us run ").U(t.se.sumExec / 1e6).
			S(" ms switches ").U(t.Stats.Voluntary).S("/").U(t.Stats.Involuntary)
	}
	if t.kind != taskIdle && t.State != TASK_DEAD {
		f := amd64.TopFrame(t.KStackHi)
		if f.Vector == amd64.VecSyscall {
			m = m.S(" last entry: syscall ").U(f.RAX).S(" rdi ").X(f.RDI).S(" rip ").X(f.RIP)
		} else {
			m = m.S(" last entry: vector ").U(f.Vector).S(" rip ").X(f.RIP)
		}
	}
	m.Emit()
}

// stateLetter names a task state as ps does: R running or runnable, S
// interruptible sleep, D uninterruptible sleep, X dead.
func stateLetter(s int32) string {
	switch s {
	case TASK_RUNNING:
		return "R"
	case TASK_INTERRUPTIBLE:
		return "S"
	case TASK_UNINTERRUPTIBLE:
		return "D"
	case TASK_DEAD:
		return "X"
	}
	return "?"
}

// stallReporting reports whether a stall report is under way.
func stallReporting() bool { return stall.reporter.Load() != 0 }
