#include "textflag.h"
#include "go_asm.h"

// The fast paths of preempt_disable() and preempt_enable() (preempt.go
// has the essay and the slow paths).
//
// They are assembly because their two halves are out of Go's reach
// without a call each: the running task is at GS:8 (amd64.CPULocal), and
// the pin is the running g's m.locks, found from the g in TLS at -8(FS)
// (arch/amd64/kernel_g.go). Written here, each half is one load and one
// add, where Go needs an assembly call for the first and
// runtime.procPin for the second.
//
// No Go preemption can come between the two halves: an assembly function
// is never an asynchronous safe point of the runtime's, and one without a
// frame has no stack check. An interrupt can, and may even move the task
// to another CPU; the task held in AX is still the caller's, since a task
// takes its identity along.
//
// Both run in any context. On a goroutine the g's m is the runtime's own,
// and raising m.locks is what runtime.procPin does; in kernel context
// FS names the task's kernel g, whose m keeps a count of its own that
// nothing reads, so no test of the context is needed. The slow paths are
// Go functions reached by a tail jump, through the ABI0 wrapper that
// loads g and X15 as Go expects: they return to the caller directly.

#define COUNT (Task_ThreadInfo+ThreadInfo_PreemptCount)
#define FLAGS (Task_ThreadInfo+ThreadInfo_Flags)

// func PreemptDisable()
// Leaves the running task's preemption depth and the running g's
// m.locks one higher; AX and CX are clobbered.
TEXT ·PreemptDisable(SB),NOSPLIT|NOFRAME,$0-0
	MOVQ	const_cpuCurrent(GS), AX
	ADDL	$const_PREEMPT_OFFSET, COUNT(AX)
	MOVQ	(TLS), CX
	MOVQ	const_gOffsetM(CX), CX
	ADDL	$1, const_mOffsetLocks(CX)
	TESTL	$const_tracePreempt, gopreempt∕trace·Events(SB)
	JNE	traced
	RET
traced:
	// Traced: the outermost disable leaves for Go, with its call site
	// in the task, as a tail call can pass no argument.
	CMPB	COUNT(AX), $const_PREEMPT_OFFSET
	JNE	done
	MOVQ	0(SP), CX
	MOVQ	CX, Task_tracePC(AX)
	JMP	·preemptDisableTraced(SB)
done:
	RET

// func PreemptEnable()
// Undoes one PreemptDisable: the depth one lower, need_resched acted on
// if that made it zero, then m.locks one lower. An underflow, a traced
// outermost enable and a pending reschedule leave for Go. The depth is
// the count's low byte (PREEMPT_MASK).
TEXT ·PreemptEnable(SB),NOSPLIT|NOFRAME,$0-0
	MOVQ	const_cpuCurrent(GS), AX
	CMPB	COUNT(AX), $const_PREEMPT_OFFSET
	JNE	inner
	TESTL	$const_tracePreempt, gopreempt∕trace·Events(SB)
	JNE	traced
	SUBL	$const_PREEMPT_OFFSET, COUNT(AX)
	// The outermost enable: the stall detector's and the statistic's
	// marks of the section are forgotten after the decrement
	// (preemptOffSince, stall.go), and need_resched is read after it.
	MOVQ	$0, Task_preemptOffSeen(AX)
	MOVQ	$0, Task_preemptOffStart(AX)
	TESTQ	$const_TIF_NEED_RESCHED, FLAGS(AX)
	JNE	resched
unpin:
	MOVQ	(TLS), CX
	MOVQ	const_gOffsetM(CX), CX
	SUBL	$1, const_mOffsetLocks(CX)
	JLT	nopin
	RET
nopin:
	// This g's m held no pin: the disable ran in another context
	// (unpinAfterEnable, preempt.go). Leave the count at zero.
	ADDL	$1, const_mOffsetLocks(CX)
	RET
inner:
	CMPB	COUNT(AX), $0
	JEQ	underflow
	SUBL	$const_PREEMPT_OFFSET, COUNT(AX)
	JMP	unpin
underflow:
	JMP	·preemptUnderflow(SB)
traced:
	MOVQ	0(SP), CX
	MOVQ	CX, Task_tracePC(AX)
	JMP	·preemptEnableTraced(SB)
resched:
	JMP	·preemptEnableResched(SB)

// func unpinAfterEnable()
// The last half of PreemptEnable, for its slow paths: m.locks one lower,
// unless this g's m holds no pin.
TEXT ·unpinAfterEnable(SB),NOSPLIT|NOFRAME,$0-0
	MOVQ	(TLS), CX
	MOVQ	const_gOffsetM(CX), CX
	SUBL	$1, const_mOffsetLocks(CX)
	JLT	nopin
	RET
nopin:
	ADDL	$1, const_mOffsetLocks(CX)
	RET

// func mLocks() int32
// The running g's m.locks, for TestPinIsMLocks.
TEXT ·mLocks(SB),NOSPLIT|NOFRAME,$0-4
	MOVQ	(TLS), CX
	MOVQ	const_gOffsetM(CX), CX
	MOVL	const_mOffsetLocks(CX), AX
	MOVL	AX, ret+0(FP)
	RET
