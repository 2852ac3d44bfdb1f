package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/percpu"
	"gopreempt/trace"
)

// schedule(): give the CPU to the next task.
//
// It is called in three ways. A task that blocks (a futex wait, a sleep)
// sets its state to TASK_INTERRUPTIBLE and calls schedule() to leave the
// CPU until a wake-up makes it TASK_RUNNING again. A task that yields
// calls it with its state TASK_RUNNING. And a task that is preempted (by
// preempt_schedule from preempt_enable, or preempt_schedule_irq from an
// interrupt return) enters it with PREEMPT_ACTIVE added to preempt_count.
//
// The PREEMPT_ACTIVE case matters on the line marked below: a task that
// was preempted keeps its place among the runnable tasks even if its state
// says it was about to sleep. The task had set TASK_INTERRUPTIBLE and was
// going to check its wake-up condition and call schedule() itself; taking
// it off the queue here would lose it if the wake-up had already happened
// (seed text 003; Linux's __schedule does the same test).
//
// schedule() runs in kernel context, on the task's kernel stack, with the
// kernel g. The ways in, one for each context and purpose:
//
//	schedule()              kernel context, this package
//	Schedule()              a task that blocks, either context (sleep.go)
//	ScheduleTimeout(ns)     the same with a timeout (timer.go)
//	Msleep(ms)              a timed sleep in task context (sleep.go)
//	PreemptSchedule()       preempt_enable() (preempt_schedule.go)
//	PreemptScheduleIRQ()    the interrupt return (preempt_schedule.go)
//	CondResched()           an explicit preemption point (cond_resched.go)
//
// From task context a sleep enters through a system call (sleep.go), a
// preemption through scheduleOnKernelStack (preempt_schedule.go).

// schedule picks the next task and switches to it.
func schedule() {
	prev := Current()
	scheduleDebug(prev)

	// Interrupts off before looking up this CPU's run queue: an interrupt
	// in between could preempt the task and let it resume on another
	// CPU, holding a stale run queue. They come back on at the end, in
	// whichever task runs then (Linux's rq_lock_irq and
	// finish_task_switch's raw_spin_rq_unlock_irq): the lock's flags
	// are not kept, because the task that takes the lock is not the one
	// that releases it.
	amd64.Cli()
	rq := thisRQ()
	rq.lock.Lock()
	rq.updateCurr()
	preempted := prev.ThreadInfo.PreemptCount&PREEMPT_ACTIVE != 0

	requeue := false
	switch {
	case prev.kind == taskIdle:
		// the idle task is never queued
	case prev.State == TASK_DEAD:
		// freed by finishSwitch; it must never be queued again
	case prev.migrateTo != 0:
		// leaving for another CPU: queued there by finishSwitch, its
		// distance from this queue's clock taken now
		rq.detach(prev)
	case prev.State == TASK_RUNNING || preempted: // <- the PREEMPT_ACTIVE rule
		requeue = true
	case signalPendingState(prev.State, prev):
		// A signal came before the sleep: the sleep ends at once, and
		// the sleeping call sees it (Linux's signal_pending_state).
		atomicStoreState(prev, TASK_RUNNING)
		requeue = true
	default:
		// prev sleeps: it is on no run queue until a wake-up.
	}
	next := rq.pickNextTask(prev, requeue)
	ClearTskNeedResched(prev)

	if next == prev {
		rq.lock.Release()
		amd64.Sti()
		return
	}
	// A switch is counted only when prev leaves the CPU (Linux's
	// nvcsw/nivcsw): a schedule() that picks prev again switched nothing,
	// and a preemption that did not happen must not show in the
	// statistics that preempt_schedule() reads (preempt_schedule.go).
	if preempted {
		prev.Stats.Involuntary++
	} else if prev.kind != taskIdle {
		prev.Stats.Voluntary++
	}
	contextSwitch(rq, prev, next)
	// We are prev again, resumed by some later schedule() on some CPU,
	// which left its run queue locked for us.
	finishSwitch()
	amd64.Sti()
}

// contextSwitch switches from prev to next. rq.lock is held and passes to
// next, which releases it in finishSwitch.
func contextSwitch(rq *RunQueue, prev, next *Task) {
	if next.onCPU || next.KSP <= next.KStackLo || next.KSP >= next.KStackHi {
		badSwitch(rq, next)
	}
	rq.curr = refOf(next)
	rq.Stats.Switches++
	cputimeSwitch(prev, next, Nanotime())
	next.onCPU = true
	next.ThreadInfo.CPU = uint32(rq.cpu)
	traceSwitch(prev, next)
	if next.Stats.lastCPU != uint32(rq.cpu) && next.Stats.ran {
		trace.SchedMigrate(next.Pid, int(next.Stats.lastCPU), rq.cpu)
		next.Stats.Migrations++
		rq.Stats.Migrations++
	}
	next.Stats.lastCPU = uint32(rq.cpu)
	next.Stats.ran = true
	*percpu.PerCPU(switchPrev, rq.cpu) = refOf(prev)
	amd64.SwitchTo(&prev.TaskContext, &next.TaskContext)
}

// badSwitch stops the machine when schedule() is about to resume a task
// that is still running on another CPU, or whose saved stack pointer is
// outside its stack: the run queues are corrupt, and going on would run
// one stack twice. Interrupts are off and rq.lock is held.
func badSwitch(rq *RunQueue, next *Task) {
	oopsBegin() // held until the end of the machine (oops_lock.go)
	Pr(KERN_EMERG).S("Kernel panic: schedule() on CPU ").U(uint64(rq.cpu)).S(" picked pid ").I(int64(next.Pid)).
		S(" onCPU=").S(boolStr(next.onCPU)).S(" cpu=").U(uint64(next.ThreadInfo.CPU)).
		S(" ksp=").X(uint64(next.KSP)).S(" state=").I(int64(next.State)).Emit()
	DumpStack()
	PanicEnd(EndCorruption)
}

// switchPrev remembers, per CPU, the task just switched away from, for
// finishSwitch (Linux passes it as the return value of switch_to).

// finishSwitch runs in the task switched to, first thing: the previous
// task is now fully off this CPU, so it may be run elsewhere or freed.
// It releases the run-queue lock and leaves interrupts off: schedule()
// turns them on after it, ForkTail only when the new task's first frame
// is unwound.
//
// The interrupt state is not handed across the switch. It once was (the
// lock's saved RFLAGS, from the task that entered schedule()), and a
// task that entered schedule() with interrupts off, a bug reported and
// survived, left the task it resumed running kernel code with them off,
// which then reported that innocent task's next sleep as a bug of its
// own (TestResumedTaskGetsInterruptsOn).
func finishSwitch() {
	rq := thisRQ()
	prev := percpu.PerCPU(switchPrev, rq.cpu).ptr()
	prev.onCPU = false
	dead := prev.State == TASK_DEAD
	migrate := prev.migrateTo != 0 && !dead
	rq.lock.Release()
	if dead {
		releaseTask(prev) // its stack, FPU area and own reference
	} else if migrate {
		migrateAfterSwitch(prev)
	}
}

// Schedule is schedule() for a task that has set its sleeping state,
// from either context: in kernel context it is schedule(); in task
// context it enters through a system call, so that the Go runtime hands
// the thread's P on while the task sleeps (sleep.go).
func Schedule() { ScheduleTimeout(-1) }

// scheduleDebug is the check at the door of schedule(): a task may only
// enter it with interrupts on and preempt_count at zero, or at
// PREEMPT_ACTIVE when it is being preempted (preempt_schedule_irq turns
// interrupts on around schedule(), as Linux does). Anything else means it holds
// a spinlock or is in an interrupt handler: "scheduling while atomic".
// A dying task is the exception: it leaves with preemption disabled
// (exit.go), as Linux's schedule_debug allows for TASK_DEAD.
func scheduleDebug(prev *Task) {
	if prev.kind == taskIdle {
		return
	}
	atomicOK := uint32(0)
	if prev.State == TASK_DEAD {
		atomicOK = PREEMPT_OFFSET
	}
	if prev.ThreadInfo.PreemptCount&^PREEMPT_ACTIVE != atomicOK {
		bugSchedulingWhileAtomic(prev)
	}
	if !amd64.InterruptsEnabled() {
		bugScheduleIRQsOff(prev)
	}
}

// OnlineCPUs is the number of CPUs taking part in scheduling.
var onlineCPUs = 1

// SetCPUOnline marks CPU cpu as taking part in scheduling: called by the
// bring-up code on that CPU once its idle task exists and its timer runs.
func SetCPUOnline(cpu int) {
	if cpu+1 > onlineCPUs {
		onlineCPUs = cpu + 1
	}
}

// OnlineCPUs returns the number of CPUs online.
func OnlineCPUs() int { return onlineCPUs }
