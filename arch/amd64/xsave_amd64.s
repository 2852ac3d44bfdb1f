#include "textflag.h"
#include "go_asm.h"

// The x87/SSE save and restore used by SwitchTo, and the few other
// instructions of the XSAVE feature set and of AVX that the kernel issues
// itself (see xsave.go for the design).
//
// fpuSwitchSave and fpuSwitchRestore run inside SwitchTo, with interrupts
// off and the stack half switched: they touch only CX (the area), DX and
// R8, and keep AX and BX (SwitchTo's prev and next) intact.

#define TAG const_FPUTagOffset

// fpuSwitchSave saves x87 and SSE into the area at CX in the format
// fpuSwitchMode selects, and records that format in the tag byte.
// XSAVE* take the instruction mask in EDX:EAX (SDM Vol. 2C, XSAVE): it
// is FPUSwitchMask, x87|SSE, so the requested-feature bitmap leaves YMM
// out even inside a bracket, when XCR0 also has it.
TEXT ·fpuSwitchSave(SB),NOSPLIT|NOFRAME,$0
	MOVL	·fpuSwitchMode(SB), DX
	MOVB	DX, TAG(CX)
	CMPL	DX, $1
	JEQ	xsave
	JHI	xsaveopt
	FXSAVE64	(CX)
	RET
xsave:
	MOVQ	AX, R8
	MOVL	$const_FPUSwitchMask, AX
	XORL	DX, DX
	XSAVE64	(CX)
	MOVQ	R8, AX
	RET
xsaveopt:
	MOVQ	AX, R8
	MOVL	$const_FPUSwitchMask, AX
	XORL	DX, DX
	XSAVEOPT64	(CX)
	MOVQ	R8, AX
	RET

// fpuSwitchRestore restores x87 and SSE from the area at CX with the
// instruction that matches the format its tag records.
TEXT ·fpuSwitchRestore(SB),NOSPLIT|NOFRAME,$0
	CMPB	TAG(CX), $0
	JNE	xrstor
	FXRSTOR64	(CX)
	RET
xrstor:
	MOVQ	AX, R8
	MOVL	$const_FPUSwitchMask, AX
	XORL	DX, DX
	XRSTOR64	(CX)
	MOVQ	R8, AX
	RET

TEXT ·FPUSave(SB),NOSPLIT,$0-8
	MOVQ	area+0(FP), CX
	CALL	·fpuSwitchSave(SB)
	RET

TEXT ·FPURestore(SB),NOSPLIT,$0-8
	MOVQ	area+0(FP), CX
	CALL	·fpuSwitchRestore(SB)
	RET

// FPUInitRegs: FNINIT is written as bytes so that no FWAIT precedes it:
// a pending x87 exception must not be raised here (SDM Vol. 2A,
// FINIT/FNINIT).
TEXT ·FPUInitRegs(SB),NOSPLIT,$8-0
	BYTE	$0xdb; BYTE $0xe3	// FNINIT
	MOVL	$0x1f80, 0(SP)
	LDMXCSR	0(SP)
	RET

TEXT ·Vzeroall(SB),NOSPLIT,$0-0
	VZEROALL
	RET
