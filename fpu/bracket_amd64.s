#include "textflag.h"
#include "go_asm.h"

// The fast paths of kernel_fpu_begin() and kernel_fpu_end() (bracket.go
// has the essay and the slow paths). Assembly for the reasons
// preempt_disable() is (kernel/preempt_amd64.s): the task at GS:8 and
// this CPU's record, a per-CPU variable at a constant GS-relative
// address (percpu.go), are out of Go's reach without a call each, and
// XSETBV is an instruction. Any context.

// XSETBV0 writes v to XCR0 (SDM Vol. 2D, XSETBV: ECX the register,
// EDX:EAX the value); AX, CX and DX are clobbered.
#define XSETBV0(v) \
	XORL	CX, CX \
	MOVL	$v, AX \
	XORL	DX, DX \
	XSETBV

// func KernelFPUBegin()
// The plain case: no bracket open on this CPU, and the CPU set up to
// switch XCR0 (cpuFPU.ymm); a CPU without AVX always takes the slow
// path. Leaves preemption disabled, the record open (depth 1, owner, ctx) and
// XCR0 with YMM; AX, CX, DX are clobbered.
TEXT ·KernelFPUBegin(SB),NOSPLIT|NOFRAME,$0-0
	CALL	gopreempt∕kernel·PreemptDisable(SB)
	MOVQ	const_cpuCurrent(GS), AX
	CMPL	const_bracketDepth(GS), $0
	JNE	slow
	CMPB	const_bracketYMMOn(GS), $0
	JEQ	slow
	MOVL	$1, const_bracketDepth(GS) // first: see KernelFPUBegin
	MOVQ	AX, const_bracketOwner(GS)
	MOVL	const_taskPreemptCount(AX), CX
	MOVL	CX, const_bracketCtx(GS)
	XSETBV0(const_xcr0Bracket)
	TESTL	$const_traceFPU, gopreempt∕trace·Events(SB)
	JNE	traced
	RET
slow:
	JMP	·kernelFPUBeginSlow(SB)
traced:
	JMP	·traceFPUBegin(SB)

// func KernelFPUEnd()
// The plain case: the record open by this task with the count it had
// after the begin's preempt_disable() (depth 1, owner, ctx), the FPU
// class not traced. Anything else, a count that differs only in the
// preemption depth included, is for kernelFPUEndSlow to judge. Leaves the vector
// registers zero, XCR0 without YMM, the record closed, and tail-calls
// preempt_enable().
TEXT ·KernelFPUEnd(SB),NOSPLIT|NOFRAME,$0-0
	MOVQ	const_cpuCurrent(GS), AX
	CMPL	const_bracketDepth(GS), $1
	JNE	slow
	CMPQ	const_bracketOwner(GS), AX
	JNE	slow
	MOVL	const_taskPreemptCount(AX), CX
	CMPL	CX, const_bracketCtx(GS)
	JNE	slow
	TESTL	$const_traceFPU, gopreempt∕trace·Events(SB)
	JNE	slow
	VZEROALL
	XSETBV0(const_xcr0Kernel)
	// depth last, after XCR0 is back (see KernelFPUBegin).
	MOVQ	$0, const_bracketOwner(GS)
	MOVL	$0, const_bracketDepth(GS)
	JMP	gopreempt∕kernel·PreemptEnable(SB)
slow:
	JMP	·kernelFPUEndSlow(SB)
