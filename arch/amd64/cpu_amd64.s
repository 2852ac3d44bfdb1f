#include "textflag.h"

// Each function here is one privileged instruction with its operands moved
// in and out of the Go ABI0 argument frame. None touches the stack beyond
// its frame, so all are NOSPLIT and may run in any context.

TEXT ·Inb(SB),NOSPLIT,$0-9
	MOVW	port+0(FP), DX
	XORL	AX, AX
	INB
	MOVB	AX, ret+8(FP)
	RET

TEXT ·Outb(SB),NOSPLIT,$0-3
	MOVW	port+0(FP), DX
	MOVB	v+2(FP), AX
	OUTB
	RET

TEXT ·Rdmsr(SB),NOSPLIT,$0-16
	MOVL	msr+0(FP), CX
	RDMSR
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+8(FP)
	RET

TEXT ·Wrmsr(SB),NOSPLIT,$0-16
	MOVL	msr+0(FP), CX
	MOVQ	v+8(FP), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	WRMSR
	RET

TEXT ·ReadCR0(SB),NOSPLIT,$0-8
	MOVQ	CR0, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·WriteCR0(SB),NOSPLIT,$0-8
	MOVQ	v+0(FP), AX
	MOVQ	AX, CR0
	RET

TEXT ·ReadCR2(SB),NOSPLIT,$0-8
	MOVQ	CR2, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·ReadCR3(SB),NOSPLIT,$0-8
	MOVQ	CR3, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·WriteCR3(SB),NOSPLIT,$0-8
	MOVQ	v+0(FP), AX
	MOVQ	AX, CR3
	RET

TEXT ·ReadCR4(SB),NOSPLIT,$0-8
	MOVQ	CR4, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·WriteCR4(SB),NOSPLIT,$0-8
	MOVQ	v+0(FP), AX
	MOVQ	AX, CR4
	RET

TEXT ·Invlpg(SB),NOSPLIT,$0-8
	MOVQ	va+0(FP), AX
	INVLPG	(AX)
	RET

TEXT ·Cpuid(SB),NOSPLIT,$0-24
	MOVL	leaf+0(FP), AX
	MOVL	sub+4(FP), CX
	CPUID
	MOVL	AX, a+8(FP)
	MOVL	BX, b+12(FP)
	MOVL	CX, c+16(FP)
	MOVL	DX, d+20(FP)
	RET

TEXT ·Rdtsc(SB),NOSPLIT,$0-8
	RDTSC
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·Xgetbv(SB),NOSPLIT,$0-16
	MOVL	idx+0(FP), CX
	XGETBV
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+8(FP)
	RET

TEXT ·Xsetbv(SB),NOSPLIT,$0-16
	MOVL	idx+0(FP), CX
	MOVQ	v+8(FP), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	XSETBV
	RET

TEXT ·Cli(SB),NOSPLIT,$0-0
	CLI
	RET

TEXT ·Sti(SB),NOSPLIT,$0-0
	STI
	RET

TEXT ·Flags(SB),NOSPLIT,$0-8
	PUSHFQ
	POPQ	AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·Halt(SB),NOSPLIT,$0-0
	STI
	HLT
	RET

TEXT ·HaltForever(SB),NOSPLIT,$0-0
	CLI
again:
	HLT
	JMP	again

TEXT ·Pause(SB),NOSPLIT,$0-0
	PAUSE
	RET

TEXT ·Lgdt(SB),NOSPLIT,$0-8
	MOVQ	p+0(FP), AX
	LGDT	(AX)
	RET

TEXT ·Lidt(SB),NOSPLIT,$0-8
	MOVQ	p+0(FP), AX
	LIDT	(AX)
	RET

TEXT ·Ltr(SB),NOSPLIT,$0-2
	MOVW	sel+0(FP), AX
	LTR	AX
	RET

// ReloadSegments: a far return is the only way to load CS in long mode
// without a far pointer in memory (SDM Vol. 3A, 5.8.3): push the selector
// and the address to resume at, then RETFQ.
TEXT ·ReloadSegments(SB),NOSPLIT,$0-4
	MOVWQZX	ds+2(FP), AX
	MOVW	AX, DS
	MOVW	AX, ES
	MOVW	AX, SS
	MOVWQZX	cs+0(FP), AX
	LEAQ	reloaded<>(SB), BX
	PUSHQ	AX
	PUSHQ	BX
	BYTE	$0x48; BYTE $0xcb	// RETFQ
	POPQ	BX			// not reached; balances the pushes for the assembler
	POPQ	AX
	RET

TEXT reloaded<>(SB),NOSPLIT|NOFRAME,$0
	RET

TEXT ·Int3(SB),NOSPLIT,$0-0
	INT	$3
	RET

TEXT ·CompilerBarrier(SB),NOSPLIT,$0-0
	RET

// FramePointer: with a zero-size frame the assembler does not push BP, so
// BP is still the Go caller's frame pointer.
TEXT ·FramePointer(SB),NOSPLIT,$0-8
	MOVQ	BP, ret+0(FP)
	RET
