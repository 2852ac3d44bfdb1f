#include "textflag.h"

// func idivZero(a int64) int64
TEXT ·idivZero(SB),NOSPLIT,$0-16
	MOVQ	a+0(FP), AX
	CQO
	XORQ	CX, CX
	IDIVQ	CX
	MOVQ	AX, ret+8(FP)
	RET
