#include "textflag.h"
#include "go_asm.h"

// The fast paths of kernel_fpu_begin() and kernel_fpu_end() (bracket.go
// has the essay and the slow paths). Assembly for the reasons
// preempt_disable() is (kernel/preempt_amd64.s): the task and the CPU
// number are at GS:8 and GS:24, out of Go's reach without a call each,
// and XSETBV is an instruction. Any context.

// RECORD leaves this CPU's cpuFPU record in BX (cpus + ID<<6); DX is
// clobbered.
#define RECORD \
	MOVQ	const_cpuID(GS), BX \
	SHLQ	$6, BX \
	LEAQ	·cpus(SB), DX \
	ADDQ	DX, BX

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
// XCR0 with YMM; AX, BX, CX, DX are clobbered.
TEXT ·KernelFPUBegin(SB),NOSPLIT|NOFRAME,$0-0
	CALL	gopreempt∕kernel·PreemptDisable(SB)
	MOVQ	const_cpuCurrent(GS), AX
	RECORD
	CMPL	cpuFPU_depth(BX), $0
	JNE	slow
	CMPB	cpuFPU_ymm(BX), $0
	JEQ	slow
	MOVL	$1, cpuFPU_depth(BX) // first: see KernelFPUBegin
	MOVQ	AX, cpuFPU_owner(BX)
	MOVL	const_taskPreemptCount(AX), CX
	MOVL	CX, cpuFPU_ctx(BX)
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
	RECORD
	CMPL	cpuFPU_depth(BX), $1
	JNE	slow
	CMPQ	cpuFPU_owner(BX), AX
	JNE	slow
	MOVL	const_taskPreemptCount(AX), CX
	CMPL	CX, cpuFPU_ctx(BX)
	JNE	slow
	TESTL	$const_traceFPU, gopreempt∕trace·Events(SB)
	JNE	slow
	VZEROALL
	XSETBV0(const_xcr0Kernel)
	// depth last, after XCR0 is back (see KernelFPUBegin).
	MOVQ	$0, cpuFPU_owner(BX)
	MOVL	$0, cpuFPU_depth(BX)
	JMP	gopreempt∕kernel·PreemptEnable(SB)
slow:
	JMP	·kernelFPUEndSlow(SB)
