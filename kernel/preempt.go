package kernel

import (
	"unsafe"

	"gopreempt/arch/amd64"
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
	SOFTIRQ_OFFSET = 1 << SOFTIRQ_SHIFT // the layout is Linux's; no softirq runs here
	HARDIRQ_OFFSET = 1 << HARDIRQ_SHIFT

	PREEMPT_MASK = (1<<PREEMPT_BITS - 1) << PREEMPT_SHIFT // 0x000000ff
	SOFTIRQ_MASK = (1<<SOFTIRQ_BITS - 1) << SOFTIRQ_SHIFT // 0x0000ff00
	HARDIRQ_MASK = (1<<HARDIRQ_BITS - 1) << HARDIRQ_SHIFT // 0x0fff0000

	PREEMPT_ACTIVE = 0x10000000
)

// PreemptCount returns the current task's preempt_count.
func PreemptCount() uint32 { return Current().ThreadInfo.PreemptCount }

// Hardirq and softirq depth, and the tests built on them.
func hardirqCount() uint32 { return PreemptCount() & HARDIRQ_MASK }

// InIRQ reports whether we are in a hardware interrupt handler.
func InIRQ() bool { return hardirqCount() != 0 }

// InInterrupt reports whether we are in interrupt context (hard or soft).
// Part of the API taught (in_interrupt); tests call it.
func InInterrupt() bool { return PreemptCount()&(HARDIRQ_MASK|SOFTIRQ_MASK) != 0 }

// InAtomic reports whether the current code must not sleep: any preempt,
// softirq or hardirq depth (PREEMPT_ACTIVE does not count).
// Part of the API taught (in_atomic); tests call it.
func InAtomic() bool { return PreemptCount()&^PREEMPT_ACTIVE != 0 }

// inKernelContext reports whether the caller runs on a kernel stack rather
// than on a goroutine: a task's kernel stack (an entry path or the
// scheduler), one of a CPU's IST stacks, where the NMI, #DF and #MC
// handlers stay (arch/amd64/idt.go), or the boot stack that CPU 0's idle
// task keeps. Either way the g is the kernel's stand-in, which has no P
// for the runtime's procPin. One comparison of the stack pointer with the
// runtime's address range (amd64.OnGoroutineStack, pin.go, where
// goroutine pinning lives). Any context.
func inKernelContext() bool { return !amd64.OnGoroutineStack() }

// PreemptDisable makes the current task non-preemptible until the matching
// PreemptEnable. It nests: n disables need n enables.
//
// The fast path is assembly (preempt_amd64.s): the current task's count
// up by one, and the goroutine pinned to its thread by raising the
// running m's lock count, as runtime.procPin does. While it is raised the
// Go scheduler neither moves the goroutine to another thread (task) nor
// preempts it, so the count raised stays the count of the task the
// goroutine runs on. In kernel context the "m" is the task's kernel g's,
// whose count nothing reads (arch/amd64/kernel_g.go). When the depth
// leaves zero with the preempt class traced, preemptDisableTraced does
// the rest: the event, the latency tracers' edge and the start of the
// section for the MaxPreemptOff statistic (preemptOffBegins).
//
// Linux's preempt_disable() ends with barrier(), so that the compiler
// does not move the section's loads and stores above the increment. Here
// the call is that barrier: the Go compiler moves no memory access across
// a call of an assembly function. The CPU needs no fence either: the only
// other reader of the count on this CPU is an interrupt handler, and an
// interrupt sees this CPU's own accesses in program order.
func PreemptDisable()

// preemptDisableTraced is PreemptDisable's slow path, when the outermost
// disable finds the preempt class traced; the assembly left the call
// site in t.tracePC.
//
//lint:ignore U1000 called from preempt_amd64.s (PreemptDisable)
func preemptDisableTraced() {
	t := Current()
	preemptOffBegins(t, t.tracePC)
}

// PreemptEnableNoResched undoes one PreemptDisable without checking for a
// pending reschedule: need_resched stays set until the next preemption
// point (seed text 000: for code that is about to schedule anyway).
//
//go:noinline
func PreemptEnableNoResched() {
	t := Current()
	if t.ThreadInfo.PreemptCount&PREEMPT_MASK == PREEMPT_OFFSET && trace.On(trace.Preempt) {
		preemptOffEnds(t, callerPC(amd64.FramePointer()))
	}
	if !subPreemptCount(t) {
		return
	}
	unpinAfterEnable()
}

// unpinAfterEnable gives the goroutine back to the Go runtime's
// scheduler: the running m's lock count one lower, the last step of
// every enable. A count already at zero stays there: that g's m holds no
// pin, because the disable ran in another context (in kernel context, on
// the task's kernel g, with the enable on the goroutine), and the count
// belongs to the runtime's own pins too. Assembly, as PreemptEnable.
func unpinAfterEnable()

// mLocks returns the running m's lock count (TestPinIsMLocks).
func mLocks() int32

// PreemptCheckResched preempts the current task now if a reschedule is
// pending and nothing forbids it.
// Part of the API taught (preempt_check_resched); tests call it.
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
// The fast path is assembly (preempt_amd64.s): the underflow check, the
// count one lower, need_resched read, the pin undone. The check comes
// before the goroutine is unpinned. Once unpinned, the Go runtime may
// park this thread at any function call to run another goroutine (its
// own preemption), and that voluntary schedule() would consume the
// need_resched that belongs to this preemption point.
//
// A traced section ends before the count is lowered, as Linux's
// preempt_count_sub() stops its latency tracer first: once the count is
// zero an interrupt may preempt the task on its return, and the event's
// few instructions with interrupts off would make that window wide. The
// count is lowered before need_resched is read, or a tick in between
// would find the count raised and leave the preemption to us after we
// had read the flag. For the caller's section the call is the barrier,
// as in PreemptDisable.
func PreemptEnable()

// preemptEnableResched is PreemptEnable's slow path when the count has
// reached zero with need_resched set. A non-zero count of another kind
// (hardirq, PREEMPT_ACTIVE) is PreemptSchedule's to refuse.
//
//lint:ignore U1000 called from preempt_amd64.s (PreemptEnable)
func preemptEnableResched() {
	PreemptSchedule()
	unpinAfterEnable()
}

// preemptEnableTraced is the outermost PreemptEnable with the preempt
// class traced, all of it in Go; the assembly left the call site in
// t.tracePC.
//
//lint:ignore U1000 called from preempt_amd64.s (PreemptEnable)
func preemptEnableTraced() {
	t := Current()
	preemptOffEnds(t, t.tracePC)
	ti := &t.ThreadInfo
	ti.PreemptCount -= PREEMPT_OFFSET
	t.preemptOffSeen = 0 // after the decrement: see preemptOffSince
	t.preemptOffStart = 0
	if TestTskNeedResched(t) {
		PreemptSchedule()
	}
	unpinAfterEnable()
}

// subPreemptCount lowers the preemption depth by one, or reports an
// underflow instead (and does nothing) if it is already zero.
// PreemptEnable has the same steps in assembly.
func subPreemptCount(t *Task) bool {
	ti := &t.ThreadInfo
	if ti.PreemptCount&PREEMPT_MASK == 0 {
		preemptUnderflowOf(t)
		return false
	}
	ti.PreemptCount -= PREEMPT_OFFSET
	if ti.PreemptCount&PREEMPT_MASK == 0 {
		t.preemptOffSeen = 0
		t.preemptOffStart = 0
	}
	return true
}

// Constants the assembly reads from go_asm.h.
const (
	//lint:ignore U1000 read by preempt_amd64.s
	cpuCurrent = unsafe.Offsetof(amd64.CPULocal{}.Current) // GS:8
	//lint:ignore U1000 read by preempt_amd64.s
	gOffsetM = amd64.GM
	//lint:ignore U1000 read by preempt_amd64.s
	mOffsetLocks = amd64.MLocks
	//lint:ignore U1000 read by preempt_amd64.s
	tracePreempt = uint32(trace.Preempt)
)

// preemptUnderflow reports an enable without a disable: PreemptEnable's
// slow path, which leaves the count and the pin alone.
//
//lint:ignore U1000 called from preempt_amd64.s (PreemptEnable)
func preemptUnderflow() { bugPreemptUnderflow(Current()) }

// preemptUnderflowOf is preemptUnderflow for a caller that has the task,
// out of line so that the report's frame is not the fast path's.
//
//go:noinline
func preemptUnderflowOf(t *Task) { bugPreemptUnderflow(t) }

// preemptOffBegins runs when the preemption depth leaves zero with the
// preempt class traced: the preempt_disable event, with the caller's PC,
// and the start of the section for the MaxPreemptOff statistic. With the
// class off no clock is read, and the statistic stays unmeasured.
//
//go:noinline
func preemptOffBegins(t *Task, pc uintptr) {
	t.preemptOffStart = Nanotime()
	trace.PreemptDisable(t.Pid, pc)
}

// preemptOffEnds runs when the outermost preempt_enable() of a traced
// section is about to lower the count: the preempt_enable event, with pc
// the call site, and the section's length for the statistic if it began
// traced. The enable then forgets the start, traced or not, so that a
// section that began traced and ends untraced cannot leave it behind for
// a later one; and it forgets when the stall detector's tick first saw
// the section (preemptOffSeen, stall.go).
//
//go:noinline
func preemptOffEnds(t *Task, pc uintptr) {
	if start := t.preemptOffStart; start != 0 {
		notePreemptOff(t, Nanotime()-start)
	}
	trace.PreemptEnable(t.Pid, pc)
}
