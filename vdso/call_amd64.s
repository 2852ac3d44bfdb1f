#include "textflag.h"

// func call2(fn, a, b uintptr) uintptr
//
// Calls the C-ABI function at fn with a and b as its first two
// arguments (RDI, RSI) and returns RAX, the way the runtime calls the
// vDSO but on the caller's stack: the vDSO's functions use one word of
// stack beyond their return address. They keep RBX, RBP and R12-R15
// (the C ABI's callee-saved registers), so only SP needs restoring.
// For the tests and benchmarks, which call the vDSO directly.
TEXT ·call2(SB),NOSPLIT,$16-32
	MOVQ	fn+0(FP), AX
	MOVQ	a+8(FP), DI
	MOVQ	b+16(FP), SI
	MOVQ	SP, BX		// callee-saved: survives the call
	ANDQ	$~15, SP	// the C ABI wants 16-byte alignment at the CALL
	CALL	AX
	MOVQ	BX, SP
	MOVQ	AX, ret+24(FP)
	RET
