package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/percpu"
)

// ScheduleOnKernelStack calls schedule() on the kernel stack without a
// system call and without PREEMPT_ACTIVE, for the debug checks' tests
// (debug_test.go): a system call would change what is being shown, for
// example by running the handler with interrupts on.
func ScheduleOnKernelStack() { scheduleOnKernelStack() }

// PreemptNotingResume preempts the calling task, as cond_resched() does
// (PREEMPT_ACTIVE, on the kernel stack), and reports, as seen in kernel
// context the moment schedule() returned, before the way back to task
// context puts back the task's own flags: whether it left the CPU,
// whether interrupts were off, and whether the task whose schedule()
// resumed it was by (schedule_test.go). Task context.
func PreemptNotingResume(by *Task) (switched, off, fromBy bool) {
	t := Current()
	before := t.Stats.Involuntary
	addPreemptCountRaw(t, PREEMPT_ACTIVE)
	amd64.CallOnKernelStack(scheduleNotingResume)
	subPreemptCountRaw(t, PREEMPT_ACTIVE)
	return t.Stats.Involuntary != before, resumedOff, resumedBy == refOf(by)
}

// What scheduleNotingResume saw; one test task uses them at a time.
var (
	resumedOff bool
	resumedBy  taskRef
)

func scheduleNotingResume() {
	schedule()
	resumedOff = !amd64.InterruptsEnabled()
	resumedBy = *percpu.PerCPU(switchPrev, int(Current().ThreadInfo.CPU))
}

// ChildStartFlags makes the child of a clone() whose parent's frame had
// RFLAGS flags and returns the RFLAGS and R11 the child would start with;
// the child never runs (fork_test.go).
func ChildStartFlags(flags uint64) (rflags, r11 uint64) {
	var parent amd64.TrapFrame
	parent.RFLAGS, parent.R11 = flags, flags
	t := CopyThread(&parent, 0, false, 0)
	if t == nil {
		panic("ChildStartFlags: no memory for a task")
	}
	f := amd64.TopFrame(t.KStackHi)
	rflags, r11 = f.RFLAGS, f.R11
	releaseTask(t)
	return rflags, r11
}
