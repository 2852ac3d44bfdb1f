#include "textflag.h"

// The this_cpu operations: one instruction with a GS segment override,
// addressing this CPU's per-CPU area at the variable's offset. The Go
// assembler has no syntax for a GS override with a base register, so the
// instructions are written as bytes.

// func thisCPUAdd(off uintptr, n uint64)
TEXT ·thisCPUAdd(SB),NOSPLIT,$0-16
	MOVQ	off+0(FP), AX
	MOVQ	n+8(FP), BX
	BYTE $0x65; BYTE $0x48; BYTE $0x01; BYTE $0x18	// addq %rbx, %gs:(%rax)
	RET

// func thisCPURead(off uintptr) uint64
TEXT ·thisCPURead(SB),NOSPLIT,$0-16
	MOVQ	off+0(FP), AX
	BYTE $0x65; BYTE $0x48; BYTE $0x8b; BYTE $0x00	// movq %gs:(%rax), %rax
	MOVQ	AX, ret+8(FP)
	RET

// func thisCPUArea() uintptr
// CPULocal.Self at GS:0 is the address of this CPU's area.
TEXT ·thisCPUArea(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ	0(GS), AX
	MOVQ	AX, ret+0(FP)
	RET
