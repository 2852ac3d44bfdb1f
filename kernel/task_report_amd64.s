#include "textflag.h"
#include "funcdata.h"

// The landing point of a report finished in task context (task_report.go).
//
// The exception return enters taskReportTrampoline on the faulting
// goroutine's stack with the faulting RIP as its return address, so it
// looks to the Go runtime's unwinder like a call made by the faulting
// function. It has a real frame (the assembler saves BP, which keeps the
// frame-pointer chain intact for backtraces) and calls taskReport through
// the ABI0-to-ABIInternal wrapper, which loads g from TLS into R14 and
// zeroes X15: the interrupted code may have been assembly that left
// neither as Go code expects. Its 8-byte frame holds no pointers, which a
// function whose callee may grow the stack or meet the garbage collector
// must say.
TEXT ·taskReportTrampoline(SB),NOSPLIT,$8-0
	NO_LOCAL_POINTERS
	CALL	·taskReport(SB)
	// The report ends the machine. Returning into the faulting
	// instruction would only fault again: stop with a distinct oops.
	UNDEF

TEXT ·taskReportTrampolineAddr(SB),NOSPLIT,$0-8
	LEAQ	·taskReportTrampoline(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
