package kernel

import (
	"unsafe"
	_ "unsafe" // for go:linkname

	"gopreempt/arch/amd64"
	"gopreempt/mm"
	"gopreempt/trace"
)

// preempt_count.
//
// A kernel that may be preempted at (almost) any instruction needs to
// know, at every moment, whether now is such an instruction. The answer is
// one counter per task, thread_info.preempt_count: zero means "this task
// may be preempted", anything else means "not now" (seed text 003). It
// counts the reasons, so that they nest: every preempt_disable() and every
// spin_lock() adds one, every interrupt handler adds HARDIRQ_OFFSET, and
// each is undone by its partner. The layout is Linux's on x86 (2.6):
//
//	bits  0- 7  preemption depth    preempt_disable, spin_lock, get_cpu
//	bits  8-15  softirq depth       (no softirqs here yet; the bits are kept)
//	bits 16-27  hardirq depth       irq_enter / irq_exit
//	bit  28     PREEMPT_ACTIVE      set by preempt_schedule around schedule()
//
// in_atomic() is "any of the first three is non-zero": code that must not
// sleep. PREEMPT_ACTIVE is not a reason to refuse preemption; it tells
// schedule() that the task did not ask to sleep but is being preempted, so
// that a task caught between set_current_state(TASK_INTERRUPTIBLE) and its
// own call to schedule() is not taken off the run queue (schedule.go).
//
// The count is the running task's own. It is changed without atomic
// instructions: only the task itself and interrupt handlers on its CPU
// change it, and every handler leaves it as it found it.
const (
	PREEMPT_BITS  = 8
	SOFTIRQ_BITS  = 8
	HARDIRQ_BITS  = 12
	PREEMPT_SHIFT = 0
	SOFTIRQ_SHIFT = PREEMPT_SHIFT + PREEMPT_BITS
	HARDIRQ_SHIFT = SOFTIRQ_SHIFT + SOFTIRQ_BITS

	PREEMPT_OFFSET = 1 << PREEMPT_SHIFT
	SOFTIRQ_OFFSET = 1 << SOFTIRQ_SHIFT
	HARDIRQ_OFFSET = 1 << HARDIRQ_SHIFT

	PREEMPT_MASK = (1<<PREEMPT_BITS - 1) << PREEMPT_SHIFT // 0x000000ff
	SOFTIRQ_MASK = (1<<SOFTIRQ_BITS - 1) << SOFTIRQ_SHIFT // 0x0000ff00
	HARDIRQ_MASK = (1<<HARDIRQ_BITS - 1) << HARDIRQ_SHIFT // 0x0fff0000

	PREEMPT_ACTIVE = 0x10000000
)

// Go's own preempt_disable. While a goroutine is inside a kernel critical
// section the Go scheduler must not move it to another thread (task): the
// count it raised belongs to this task. procPin raises the M's lock count,
// which keeps the goroutine on its M and stops the runtime from preempting
// it; procUnpin undoes it.
//
//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// PreemptCount returns the current task's preempt_count.
func PreemptCount() uint32 { return Current().ThreadInfo.PreemptCount }

// Hardirq and softirq depth, and the tests built on them.
func hardirqCount() uint32 { return PreemptCount() & HARDIRQ_MASK }

func softirqCount() uint32 { return PreemptCount() & SOFTIRQ_MASK }

// InIRQ reports whether we are in a hardware interrupt handler.
func InIRQ() bool { return hardirqCount() != 0 }

// InInterrupt reports whether we are in interrupt context (hard or soft).
func InInterrupt() bool { return PreemptCount()&(HARDIRQ_MASK|SOFTIRQ_MASK) != 0 }

// InAtomic reports whether the current code must not sleep: any preempt,
// softirq or hardirq depth (PREEMPT_ACTIVE does not count).
func InAtomic() bool { return PreemptCount()&^PREEMPT_ACTIVE != 0 }

// inKernelContext reports whether the caller runs on a kernel stack rather
// than on a goroutine: the current task's (an entry path or the
// scheduler), or one of this CPU's IST stacks, where the NMI, #DF and #MC
// handlers stay (arch/amd64/idt.go). Either way the g is the kernel's
// stand-in, which has no P for the runtime's procPin.
func inKernelContext() bool {
	var probe byte
	sp := uintptr(unsafe.Pointer(&probe))
	if Current().OnKernelStack(sp) {
		return true
	}
	c := amd64.ThisCPU() // a goroutine that migrates is on no IST stack
	for n := 1; n <= amd64.ISTCount; n++ {
		if top := c.ISTTop[n]; sp > top-mm.KStackSize && sp <= top {
			return true
		}
	}
	return false
}

// PreemptDisable makes the current task non-preemptible until the matching
// PreemptEnable. It nests: n disables need n enables.
func PreemptDisable() {
	t := Current()
	if pinGoroutine() {
		// On a goroutine: pinned to this task first, so that the count
		// we raise is the count of the task we keep running on.
		t = Current()
		t.Stats.pinDepth++
	}
	addPreemptCount(t, PREEMPT_OFFSET)
	if trace.On(trace.Preempt) && t.ThreadInfo.PreemptCount&PREEMPT_MASK == PREEMPT_OFFSET {
		trace.PreemptDisable(t.Pid, callerPC(amd64.FramePointer()))
	}
}

// pinGoroutine pins the calling goroutine to its thread and keeps the Go
// scheduler from stopping it (runtime.procPin), if the caller runs in task
// context, and reports whether it did; procUnpin undoes it. In kernel
// context, and before the first task exists, there is no goroutine to pin.
// preempt_disable() pins, and so does a raw lock or local_irq_save() in
// task context (amd64.PinTask, set in hooks.go). Any context.
func pinGoroutine() bool {
	if Current() == nil || inKernelContext() {
		return false
	}
	procPin()
	return true
}

// PreemptEnableNoResched undoes one PreemptDisable without checking for a
// pending reschedule: need_resched stays set until the next preemption
// point (seed text 000: for code that is about to schedule anyway).
func PreemptEnableNoResched() {
	t := Current()
	if !subPreemptCount(t, PREEMPT_OFFSET) {
		return
	}
	if trace.On(trace.Preempt) && t.ThreadInfo.PreemptCount&PREEMPT_MASK == 0 {
		trace.PreemptEnable(t.Pid, callerPC(amd64.FramePointer()))
	}
	unpinAfterEnable(t)
}

// unpinAfterEnable gives the goroutine back to the Go runtime's
// scheduler once the preemption depth it pinned for is undone.
func unpinAfterEnable(t *Task) {
	if t.Stats.pinDepth > 0 && !inKernelContext() {
		t.Stats.pinDepth--
		procUnpin()
	}
}

// PreemptCheckResched preempts the current task now if a reschedule is
// pending and nothing forbids it.
func PreemptCheckResched() {
	if NeedResched() {
		PreemptSchedule()
	}
}

// PreemptEnable undoes one PreemptDisable; when that makes the count zero
// and a reschedule is pending, the task is preempted here. This is the
// first of the two places where a preemptible kernel preempts (the other
// is the return from an interrupt, in preempt_schedule.go).
//
// The check comes before the goroutine is unpinned. Once unpinned, the
// Go runtime may park this thread at any function call to run another
// goroutine (its own preemption), and that voluntary schedule() would
// consume the need_resched that belongs to this preemption point.
func PreemptEnable() {
	t := Current()
	if !subPreemptCount(t, PREEMPT_OFFSET) {
		return
	}
	if trace.On(trace.Preempt) && t.ThreadInfo.PreemptCount&PREEMPT_MASK == 0 {
		trace.PreemptEnable(t.Pid, callerPC(amd64.FramePointer()))
	}
	PreemptCheckResched()
	unpinAfterEnable(t)
}

// addPreemptCount and subPreemptCount change the count and keep the
// debugging state: when the preemption depth leaves zero the time is
// noted, when it returns to zero the length of the preempt-off section is
// accounted (statistics), and an underflow is reported instead of done.
func addPreemptCount(t *Task, v uint32) {
	ti := &t.ThreadInfo
	if ti.PreemptCount&PREEMPT_MASK == 0 && v&PREEMPT_MASK != 0 {
		t.preemptOffStart = Nanotime()
	}
	ti.PreemptCount += v
	amd64.CompilerBarrier()
}

func subPreemptCount(t *Task, v uint32) bool {
	ti := &t.ThreadInfo
	amd64.CompilerBarrier()
	if ti.PreemptCount&PREEMPT_MASK < v&PREEMPT_MASK {
		bugPreemptUnderflow(t)
		return false
	}
	ti.PreemptCount -= v
	if ti.PreemptCount&PREEMPT_MASK == 0 && v&PREEMPT_MASK != 0 && t.preemptOffStart != 0 {
		notePreemptOff(t, Nanotime()-t.preemptOffStart)
		t.preemptOffStart = 0
	}
	return true
}
