#include "textflag.h"
#include "go_asm.h"

// func RawSmpProcessorID() int
// Expects GS base on this CPU's area; leaves AX the CPU number.
TEXT ·RawSmpProcessorID(SB),NOSPLIT|NOFRAME,$0-8
	MOVQ	const_cpuNumberOffset(GS), AX
	MOVQ	AX, ret+0(FP)
	RET
