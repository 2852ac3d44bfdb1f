#include "go_asm.h"
#include "textflag.h"

// FPSyscall makes one system call with the x87/SSE state set from the
// FXSAVE image state, and stores the state it finds after the call in
// out. saved holds the caller's own state meanwhile, so that Go code sees
// its registers (X15 zero, the default MXCSR) again on return. All three
// are 16-byte aligned 512-byte areas. A signal delivered on the way out of
// the call runs its handler and rt_sigreturn in between: out shows
// whether the frame's fpstate brought every register back.
//
// func FPSyscall(state, out, saved *byte, nr, a0, a1, a2 uintptr) uintptr
TEXT ·FPSyscall(SB),NOSPLIT,$0-64
	MOVQ	saved+16(FP), R8
	FXSAVE64	(R8)
	MOVQ	state+0(FP), R9
	FXRSTOR64	(R9)
	MOVQ	nr+24(FP), AX
	MOVQ	a0+32(FP), DI
	MOVQ	a1+40(FP), SI
	MOVQ	a2+48(FP), DX
	SYSCALL
	MOVQ	out+8(FP), R9
	FXSAVE64	(R9)
	MOVQ	saved+16(FP), R8
	FXRSTOR64	(R8)
	MOVQ	AX, ret+56(FP)
	RET

// FPSpin loads the x87/SSE state from state, counts n down without a
// call or a memory access, and stores the state it then has in out:
// whatever interrupted it (the timer, signals sent by another thread)
// must have left every register as it was. saved as for FPSyscall. The
// runtime never preempts it asynchronously: assembly is no safe point.
//
// func FPSpin(state, out, saved *byte, n uintptr)
TEXT ·FPSpin(SB),NOSPLIT,$0-32
	MOVQ	saved+16(FP), R8
	FXSAVE64	(R8)
	MOVQ	state+0(FP), R9
	FXRSTOR64	(R9)
	MOVQ	n+24(FP), CX
spin:
	DECQ	CX
	JNZ	spin
	MOVQ	out+8(FP), R9
	FXSAVE64	(R9)
	MOVQ	saved+16(FP), R8
	FXRSTOR64	(R8)
	RET

// IdivZero divides a by a zero register: #DE, SIGFPE FPE_INTDIV.
//
// func IdivZero(a int64) int64
TEXT ·IdivZero(SB),NOSPLIT,$0-16
	MOVQ	a+0(FP), AX
	CQO
	XORQ	CX, CX
	IDIVQ	CX
	MOVQ	AX, ret+8(FP)
	RET

// FXSave stores the current x87/SSE state at p (16-byte aligned).
//
// func FXSave(p *byte)
TEXT ·FXSave(SB),NOSPLIT,$0-8
	MOVQ	p+0(FP), AX
	FXSAVE64	(AX)
	RET

// RawHandler is a signal handler of the C kind, for the tests of
// sigaction's flags: entered with DI = signal, SI = &siginfo, DX =
// &ucontext, it records the signal, si_code, the first 16 bytes of the
// union (si_tid and si_overrun, si_value for a timer), its own RSP and the blocked
// mask it runs with (rt_sigprocmask(SIG_BLOCK, NULL, &RawMask)), counts
// itself, and returns into sa_restorer. A POSIX timer's signal
// (SI_TIMER) is also recorded and counted by its timer id
// (RawTimerUnion, RawTimerCount). It clobbers only caller-saved
// registers (AX, CX, DX, SI, DI, R9, R10, R11).
TEXT ·RawHandler(SB),NOSPLIT|NOFRAME,$0
	MOVQ	DI, ·RawSig(SB)
	MOVLQSX	8(SI), AX
	MOVQ	AX, ·RawCode(SB)
	MOVQ	16(SI), AX
	MOVQ	AX, ·RawUnion+0(SB)
	MOVQ	24(SI), AX
	MOVQ	AX, ·RawUnion+8(SB)
	CMPL	8(SI), $-2		// SI_TIMER
	JNE	notimer
	MOVLQZX	16(SI), R9		// si_tid: the timer id
	ANDQ	$(const_RawTimers-1), R9
	MOVQ	R9, CX
	SHLQ	$4, CX
	LEAQ	·RawTimerUnion(SB), AX
	ADDQ	CX, AX
	MOVQ	16(SI), CX
	MOVQ	CX, 0(AX)
	MOVQ	24(SI), CX
	MOVQ	CX, 8(AX)
	LEAQ	·RawTimerCount(SB), AX
	LOCK
	INCQ	(AX)(R9*8)
notimer:
	MOVQ	SP, ·RawSP(SB)
	MOVQ	$14, AX		// rt_sigprocmask
	MOVQ	$0, DI		// SIG_BLOCK
	MOVQ	$0, SI		// no change
	LEAQ	·RawMask(SB), DX
	MOVQ	$8, R10
	SYSCALL
	LOCK
	INCQ	·RawCount(SB)
	RET

// RawRestorer is sa_restorer: rt_sigreturn.
TEXT ·RawRestorer(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$15, AX
	SYSCALL
	UNDEF

// func RawHandlerAddr() uintptr
TEXT ·RawHandlerAddr(SB),NOSPLIT,$0-8
	LEAQ	·RawHandler(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// func RawRestorerAddr() uintptr
TEXT ·RawRestorerAddr(SB),NOSPLIT,$0-8
	LEAQ	·RawRestorer(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// FlagsSyscall makes system call nr with the status flags of RFLAGS (CF,
// PF, AF, ZF, SF, OF) set as in status and everything else of RFLAGS as
// the caller has it, and returns RFLAGS as it finds it after the call and
// R11, which SYSCALL set to RFLAGS as it was before.
//
// func FlagsSyscall(status, nr uintptr) (after, r11 uintptr)
TEXT ·FlagsSyscall(SB),NOSPLIT,$0-32
	MOVQ	nr+8(FP), AX
	MOVQ	status+0(FP), DX
	ANDQ	$0x8D5, DX
	PUSHFQ
	POPQ	BX
	ANDQ	$~0x8D5, BX
	ORQ	DX, BX
	PUSHQ	BX
	POPFQ
	SYSCALL
	PUSHFQ
	POPQ	BX
	MOVQ	BX, after+16(FP)
	MOVQ	R11, r11+24(FP)
	RET
