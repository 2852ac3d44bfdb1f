package kernel

import (
	"strconv"

	"gopreempt/arch/amd64"
	"gopreempt/trace"
)

// The two ways in which a running task is preempted (seed text 003).
//
// preempt_schedule() is called by preempt_enable() when the count drops
// to zero with need_resched set. preempt_schedule_irq() is called on the
// way out of an interrupt that interrupted preemptible code (count zero,
// interrupts on in the interrupted context) with need_resched set. Both
// add PREEMPT_ACTIVE around schedule() and loop: need_resched may have been
// set again between schedule() returning and the check, and missing it
// would leave the task running past a pending preemption.
//
// Which preemption model runs is chosen on the command line (preempt=):
//
//	none       no preemption of kernel code at all: a task leaves the CPU
//	           only when it blocks or yields (Linux PREEMPT_NONE)
//	voluntary  as none, plus the explicit points might_sleep() and
//	           cond_resched() (PREEMPT_VOLUNTARY)
//	full       timer- and wake-up-driven preemption anywhere the count is
//	           zero and interrupts are on (PREEMPT)
type PreemptModel int

const (
	PreemptNone PreemptModel = iota
	PreemptVoluntary
	PreemptFull
)

var preemptModelNames = [...]string{
	PreemptNone:      "none",
	PreemptVoluntary: "voluntary",
	PreemptFull:      "full",
}

// String is the model's name on the command line (preempt=).
func (m PreemptModel) String() string {
	if m >= 0 && int(m) < len(preemptModelNames) {
		return preemptModelNames[m]
	}
	return "PreemptModel(" + strconv.Itoa(int(m)) + ")"
}

// Model is the active preemption model.
var Model = PreemptFull

// PreemptSchedule preempts the current task if nothing forbids it. It is
// called from preempt_enable() in task or kernel context.
func PreemptSchedule() {
	if Model != PreemptFull {
		return
	}
	t := Current()
	if t.ThreadInfo.PreemptCount != 0 || !amd64.InterruptsEnabled() {
		return
	}
	trace.PreemptScheduleEnter(t.Pid)
	switched := preemptScheduleCommon(t)
	trace.PreemptScheduleExit(t.Pid, switched)
	if switched {
		t.Stats.PreemptFromEnable++
		cpuRQ(int(t.ThreadInfo.CPU)).Stats.PreemptFromEnable++
	}
}

// PreemptScheduleIRQ is preempt_schedule() for the interrupt return path:
// it is entered with interrupts off (still in the handler's epilogue),
// turns them on around schedule() and returns with them off again.
func PreemptScheduleIRQ() {
	t := Current()
	if t.ThreadInfo.PreemptCount != 0 || amd64.InterruptsEnabled() {
		bugPreemptScheduleIRQ(t)
		return
	}
	before := t.Stats.Involuntary
	trace.PreemptScheduleIRQEnter(t.Pid)
	for {
		addPreemptCountRaw(t, PREEMPT_ACTIVE)
		amd64.Sti()
		schedule()
		amd64.Cli()
		subPreemptCountRaw(t, PREEMPT_ACTIVE)
		if !NeedResched() {
			break
		}
	}
	trace.PreemptScheduleIRQExit(t.Pid, t.Stats.Involuntary != before)
	if t.Stats.Involuntary != before {
		t.Stats.PreemptFromIRQ++
		cpuRQ(int(t.ThreadInfo.CPU)).Stats.PreemptFromIRQ++
	}
}

// preemptScheduleCommon is the preemption of t, the current task, by
// preempt_schedule() and cond_resched() (Linux's preempt_schedule_common):
// schedule() with PREEMPT_ACTIVE, so that t stays runnable whatever its
// state, until no reschedule is pending. It reports whether t left the
// CPU. Only switches counted while PREEMPT_ACTIVE is set are its own:
// until then the count may be zero with interrupts on, and an interrupt's
// return may preempt t first (preempt_schedule_irq counts that one).
func preemptScheduleCommon(t *Task) (switched bool) {
	for {
		addPreemptCountRaw(t, PREEMPT_ACTIVE)
		before := t.Stats.Involuntary
		scheduleOnKernelStack()
		switched = switched || t.Stats.Involuntary != before
		subPreemptCountRaw(t, PREEMPT_ACTIVE)
		// Check again in case we missed a preemption opportunity
		// between schedule and now.
		if !NeedResched() {
			break
		}
	}
	return switched
}

// scheduleOnKernelStack enters schedule() on the kernel stack: the one
// place where a preemption moves from task context to kernel context. In
// task context (a goroutine's stack, the runtime's g) it first moves to
// the kernel stack and kernel g (amd64.CallOnKernelStack), because the
// goroutine stack may need to grow and the runtime may ask its g to stop
// at any function prologue. The Go runtime is not told: the task stays
// runnable, and its thread keeps its P (sleeps go through sleep.go).
func scheduleOnKernelStack() {
	if inKernelContext() {
		schedule()
		return
	}
	amd64.CallOnKernelStack(schedule)
}

// addPreemptCountRaw / subPreemptCountRaw change the count without the
// preempt-off accounting (for PREEMPT_ACTIVE and HARDIRQ_OFFSET).
func addPreemptCountRaw(t *Task, v uint32) {
	t.ThreadInfo.PreemptCount += v
	amd64.CompilerBarrier()
}

func subPreemptCountRaw(t *Task, v uint32) {
	amd64.CompilerBarrier()
	t.ThreadInfo.PreemptCount -= v
}
