#include "textflag.h"
#include "funcdata.h"

// avxTrampoline is entered by the exception return, on the faulting
// goroutine's stack with the faulting RIP as its return address (see
// avx_report.go). It calls avxInTask through the ABI0 wrapper, which
// loads g into R14 and zeroes X15 for the Go code. Its frame holds no
// pointers, as a function whose callee may grow the stack must declare.
TEXT ·avxTrampoline(SB),NOSPLIT,$8-0
	NO_LOCAL_POINTERS
	CALL	·avxInTask(SB)
	UNDEF	// avxInTask ends the machine

TEXT ·avxTrampolineAddr(SB),NOSPLIT,$0-8
	LEAQ	·avxTrampoline(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
