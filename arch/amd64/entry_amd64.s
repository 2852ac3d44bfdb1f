#include "textflag.h"

// Interrupt, exception and SYSCALL entry and exit, the context switch.
//
// This file runs in interrupt context with interrupts disabled unless a
// comment says otherwise. It does not call Go until the frame is complete,
// FS base points at the current task's KernelContext, and SP is on that
// task's kernel stack (see kernel_g.go for why).

// CPULocal offsets (cpu_local.go), reached through GS.
#define CPU_CURRENT 8
#define CPU_SCRATCH 16
// TaskContext offsets (task_context.go).
#define TC_KSP 0
#define TC_KSTACKLO 8
#define TC_KSTACKHI 16
#define TC_KERNELFS 24
#define TC_FPU 32
// Offsets in the TrapFrame (trapframe.go), from its start.
#define TF_MXCSR 24
#define TF_XMM 160
#define TF_FSBASE 512
#define TF_FPUPARTIAL 520
#define TF_GPRS 528
#define TF_VECTOR 648
#define TF_ERRCODE 656
// The stand-in g (kernel_g.go): a task's KernelFS points at it.
#define G_STACKLO 0
#define G_STACKGUARD0 16
#define STACK_GUARD 4096
// Frame vectors the entry code sets when it finds kernel code where it
// must not be (idt.go).
#define VEC_SYSCALL_FROM_KERNEL 0x101
#define VEC_STANDIN_OVERWRITTEN 0x102

#define MSR_FS_BASE 0xC0000100

// RFLAGS bits that syscallReturn's fast path restores without POPFQ:
// CF, PF, AF, ZF, SF, OF, IF and the reserved bit 1, which reads as 1.
#define fastRFLAGS 0xAD7

// WRFSBASE_AX writes AX to IA32_FS_BASE. Clobbers CX, DX.
#define WRFSBASE_AX MOVQ AX, DX; SHRQ $32, DX; MOVL $MSR_FS_BASE, CX; WRMSR
// RDFSBASE_AX reads IA32_FS_BASE into AX. Clobbers CX, DX.
#define RDFSBASE_AX MOVL $MSR_FS_BASE, CX; RDMSR; SHLQ $32, DX; ORQ DX, AX

// LOAD_SYSCALL_FP loads the part of the x87/SSE state that the lean
// system-call entry saved (MXCSR and XMM0-15, in their places in the
// FXSAVE image at the frame's bottom): syscallReturn and trapReturn's
// way back for a frame marked TF_FPUPARTIAL.
#define LOAD_SYSCALL_FP \
	LDMXCSR TF_MXCSR(SP); \
	MOVUPS (TF_XMM+0*16)(SP), X0; \
	MOVUPS (TF_XMM+1*16)(SP), X1; \
	MOVUPS (TF_XMM+2*16)(SP), X2; \
	MOVUPS (TF_XMM+3*16)(SP), X3; \
	MOVUPS (TF_XMM+4*16)(SP), X4; \
	MOVUPS (TF_XMM+5*16)(SP), X5; \
	MOVUPS (TF_XMM+6*16)(SP), X6; \
	MOVUPS (TF_XMM+7*16)(SP), X7; \
	MOVUPS (TF_XMM+8*16)(SP), X8; \
	MOVUPS (TF_XMM+9*16)(SP), X9; \
	MOVUPS (TF_XMM+10*16)(SP), X10; \
	MOVUPS (TF_XMM+11*16)(SP), X11; \
	MOVUPS (TF_XMM+12*16)(SP), X12; \
	MOVUPS (TF_XMM+13*16)(SP), X13; \
	MOVUPS (TF_XMM+14*16)(SP), X14; \
	MOVUPS (TF_XMM+15*16)(SP), X15

// trapCommon is entered from a vector stub, on the vector's IST stack,
// with 0(SP)=vector 8=error code 16=RIP 24=CS 32=RFLAGS 40=RSP 48=SS.
//
// It moves those seven words to the current task's kernel stack: to its
// top when the interrupted code was not on it (a goroutine stack, the
// runtime's g0 stack), or just below the interrupted RSP when it was (an
// interrupt or fault inside a system call or another handler). Then it
// joins the common frame-building path.
//
// #DF, NMI and #MC stay on their own IST stacks: they can arrive in the
// middle of this very code, when the kernel stack is not consistent.
TEXT ·trapCommon(SB),NOSPLIT|NOFRAME,$0
	MOVQ	AX, -8(SP)	// scratch registers, below SP on the IST stack
	MOVQ	BX, -16(SP)
	MOVQ	CX, -24(SP)
	MOVQ	0(SP), AX
	CMPQ	AX, $2		// NMI
	JEQ	stay
	CMPQ	AX, $8		// #DF
	JEQ	stay
	CMPQ	AX, $18		// #MC
	JEQ	stay
	MOVQ	40(SP), AX	// interrupted RSP
	MOVQ	CPU_CURRENT(GS), BX
	MOVQ	TC_KSTACKHI(BX), CX
	CMPQ	AX, CX
	JHI	fresh		// above the kernel stack: not on it
	CMPQ	AX, TC_KSTACKLO(BX)
	JLS	fresh		// at or below its low end: not on it
	MOVQ	AX, CX		// nested: continue below the interrupted frame
fresh:
	ANDQ	$~15, CX
	SUBQ	$56, CX
	MOVQ	0(SP), AX
	MOVQ	AX, 0(CX)
	MOVQ	8(SP), AX
	MOVQ	AX, 8(CX)
	MOVQ	16(SP), AX
	MOVQ	AX, 16(CX)
	MOVQ	24(SP), AX
	MOVQ	AX, 24(CX)
	MOVQ	32(SP), AX
	MOVQ	AX, 32(CX)
	MOVQ	40(SP), AX
	MOVQ	AX, 40(CX)
	MOVQ	48(SP), AX
	MOVQ	AX, 48(CX)
	MOVQ	SP, BX
	MOVQ	CX, SP		// now on the kernel stack
	MOVQ	-8(BX), AX
	MOVQ	-24(BX), CX
	MOVQ	-16(BX), BX
	JMP	buildFrame<>(SB)
stay:
	MOVQ	-8(SP), AX
	MOVQ	-16(SP), BX
	MOVQ	-24(SP), CX
	// The IST stack top is 16-aligned and the CPU pushed 6 words (with
	// the error code) plus our vector: SP is 8 off alignment, as on the
	// kernel-stack path.
	JMP	buildFrame<>(SB)

// syscallEntry is IA32_LSTAR. SYSCALL has put the return RIP in RCX and
// RFLAGS in R11, cleared IF (IA32_FMASK) and loaded CS/SS from IA32_STAR;
// it has not switched stacks (SDM Vol. 2B, SYSCALL). RAX holds the system
// call number and RDI, RSI, RDX, R10, R8, R9 its arguments: none may be
// touched before they are saved.
//
// The system-call frame is the lean one (docs/syscall.md): the same
// TrapFrame as an interrupt's, but of the x87/SSE state only XMM0-15 and
// MXCSR are saved, with plain moves into their places in the FXSAVE
// image, and TF_FPUPARTIAL says so. The kernel's Go code uses no other
// part of that state (no x87, no MMX), so the rest is still in the
// registers when anything needs the whole image (CompleteFPU). The FS
// base is read and written with RDFSBASE/WRFSBASE where CR4.FSGSBASE is
// on (an inline move under TCG, where WRMSR is a helper call that ends
// the translation block).
//
// A SYSCALL from kernel context is a kernel bug, and the entry must not
// make it worse before the kernel can say so (docs/syscall.md, "Who may
// make a system call"). Kernel code on this task's kernel stack is using
// its top, where a frame normally goes: a caller on any kernel or IST
// stack (an upper-half RSP: one compare) gets the frame below its RSP
// instead, as trapCommon nests an interrupt, and its frames survive for
// the report. And whatever the stack, the caller's FS base is
// then the task's kernel context: the frame is marked
// VEC_SYSCALL_FROM_KERNEL, and the stand-in g's stack guard is put back
// as KernelContext.Init set it, in case the caller was the Go runtime's
// entersyscall, which writes stackPreempt there: every Go prologue would
// then call morestack ("morestack on g0") before the kernel could report
// anything.
TEXT ·syscallEntry(SB),NOSPLIT|NOFRAME,$0
	MOVQ	SP, CPU_SCRATCH(GS)	// IF is off: nothing else uses the slot now
	MOVQ	CPU_CURRENT(GS), SP
	MOVQ	TC_KSTACKHI(SP), SP
	// Kernel and IST stacks are in the upper half of the address space
	// (mm/kstack.go), goroutine and runtime stacks in the lower. One
	// kernel stack is in the lower half, in the kernel image: the boot
	// stack, the boot CPU's idle task's (its top, in SP, is positive).
	CMPQ	CPU_SCRATCH(GS), $0
	JLT	onkstack		// out of line, at the end: no taken jump here
	CMPQ	SP, $0
	JGE	bootstack		// out of line too
build:
	ANDQ	$~15, SP
	PUSHQ	$0x10			// SS
	PUSHQ	CPU_SCRATCH(GS)		// RSP
	PUSHQ	R11			// RFLAGS
	PUSHQ	$0x08			// CS
	PUSHQ	CX			// RIP
	PUSHQ	$0			// error code
	PUSHQ	$0x100			// VecSyscall
	PUSHQ	AX
	PUSHQ	BX
	PUSHQ	CX
	PUSHQ	DX
	PUSHQ	SI
	PUSHQ	DI
	PUSHQ	BP
	PUSHQ	R8
	PUSHQ	R9
	PUSHQ	R10
	PUSHQ	R11
	PUSHQ	R12
	PUSHQ	R13
	PUSHQ	R14
	PUSHQ	R15
	SUBQ	$16, SP		// FS base, FPU-partial flag: SP is 16-byte aligned
	MOVQ	$1, 8(SP)
	CMPB	·fsgsbase(SB), $0
	JEQ	rdmsr
	RDFSBASEQ	AX
	MOVQ	AX, 0(SP)
	SUBQ	$512, SP
	MOVQ	CPU_CURRENT(GS), BX
	MOVQ	TC_KERNELFS(BX), AX
	CMPQ	AX, TF_FSBASE(SP)
	JEQ	fromkernel
	WRFSBASEQ	AX
	JMP	sse
rdmsr:
	RDFSBASE_AX
	MOVQ	AX, 0(SP)
	SUBQ	$512, SP
	MOVQ	CPU_CURRENT(GS), BX
	MOVQ	TC_KERNELFS(BX), AX
	CMPQ	AX, TF_FSBASE(SP)
	JEQ	fromkernel
	WRFSBASE_AX
	JMP	sse
fromkernel:
	// FS is the kernel context already. AX is the stand-in g.
	MOVQ	$VEC_SYSCALL_FROM_KERNEL, TF_VECTOR(SP)
	MOVQ	G_STACKLO(AX), DX
	ADDQ	$STACK_GUARD, DX
	MOVQ	DX, G_STACKGUARD0(AX)
sse:
	STMXCSR	TF_MXCSR(SP)
	MOVUPS	X0, (TF_XMM+0*16)(SP)
	MOVUPS	X1, (TF_XMM+1*16)(SP)
	MOVUPS	X2, (TF_XMM+2*16)(SP)
	MOVUPS	X3, (TF_XMM+3*16)(SP)
	MOVUPS	X4, (TF_XMM+4*16)(SP)
	MOVUPS	X5, (TF_XMM+5*16)(SP)
	MOVUPS	X6, (TF_XMM+6*16)(SP)
	MOVUPS	X7, (TF_XMM+7*16)(SP)
	MOVUPS	X8, (TF_XMM+8*16)(SP)
	MOVUPS	X9, (TF_XMM+9*16)(SP)
	MOVUPS	X10, (TF_XMM+10*16)(SP)
	MOVUPS	X11, (TF_XMM+11*16)(SP)
	MOVUPS	X12, (TF_XMM+12*16)(SP)
	MOVUPS	X13, (TF_XMM+13*16)(SP)
	MOVUPS	X14, (TF_XMM+14*16)(SP)
	MOVUPS	X15, (TF_XMM+15*16)(SP)
	// The frame-pointer record, as buildFrame makes it.
	MOVQ	SP, AX
	SUBQ	$16, SP
	MOVQ	AX, 0(SP)
	MOVQ	$0, 8(SP)
	MOVQ	$0, BP
	CMPQ	(16+TF_VECTOR)(SP), $0x100
	JNE	kernelcaller		// out of line, at the end
	// Into the kernel's do_syscall_64 (SyscallEntryHook, trap.go) as
	// ABIInternal code is entered, without the ABI0 wrapper that a CALL
	// of a Go function from assembly goes through, nor trap and
	// HandleTrap: under TCG each of their calls and returns is a lookup
	// of the next translation block. ABIInternal wants the frame in AX
	// (done above), g in R14 (the kernel g at -8(FS), as the wrapper
	// would load it), X15 zero (saved above) and the closure in DX.
	MOVQ	-8(FS), R14
	XORPS	X15, X15
	MOVQ	·SyscallEntryHook(SB), DX
	MOVQ	0(DX), CX
	CALL	CX
	ADDQ	$16, SP
	JMP	·syscallReturn(SB)
kernelcaller:
	// A caller in kernel context (fromkernel marked the frame): the
	// BUG report is HandleTrap's, through trap, with the frame at 0(SP).
	CALL	·trap(SB)
	ADDQ	$16, SP
	JMP	·syscallReturn(SB)
bootstack:
	// This task's kernel stack is the boot stack, with its top in SP: the
	// caller is on it if bottom < RSP <= top.
	CMPQ	SP, CPU_SCRATCH(GS)
	JCS	build			// top < RSP
	MOVQ	CPU_CURRENT(GS), SP
	MOVQ	TC_KSTACKLO(SP), SP
	CMPQ	SP, CPU_SCRATCH(GS)
	JCS	onkstack		// bottom < RSP <= top
	MOVQ	CPU_CURRENT(GS), SP
	MOVQ	TC_KSTACKHI(SP), SP
	JMP	build
onkstack:
	// The caller is on a kernel or IST stack: the frame goes below its RSP.
	MOVQ	CPU_SCRATCH(GS), SP
	SUBQ	$128, SP		// below anything a leaf may keep under its SP
	JMP	build

// syscallReturn unwinds the TrapFrame of a system call at SP. The x87/SSE
// state comes back as the frame holds it: XMM0-15 and MXCSR with moves,
// or the whole image with FXRSTOR once something completed or replaced it
// (a signal frame was built, rt_sigreturn, clone).
//
// It returns without IRETQ when nothing would be lost: SYSRET always goes
// to CPL 3 (it sets CS.RPL = 3, SDM Vol. 2B, SYSRET), so it cannot be used
// here, but the same effect at CPL 0 is a move to RSP and STI; JMP. STI
// delays interrupts until the instruction after it has run (SDM Vol. 2B,
// STI), so an interrupt is taken at the return address with the returned
// RSP, never inside the kernel's tail, and the interrupted stack is not
// written. The jump needs a register: like SYSRET this path leaves RCX =
// RIP and R11 = RFLAGS, so it is taken only when the frame already holds
// exactly that (every plain system call; not a frame that rt_sigreturn
// restored).
//
// RFLAGS is put back without POPFQ, which under TCG is a helper call that
// ends the translation block and goes back to QEMU's main loop, as STI
// does once more right after it. The fast path is taken only when RFLAGS
// holds nothing but the status flags, IF and the reserved bit 1
// (fastRFLAGS): everything else is clear in the kernel already (IA32_FMASK
// clears TF, DF, IOPL, NT, RF, AC and ID on entry, syscall_msr.go), so
// setting OF with an addition, the other five status flags with SAHF and
// IF with STI leaves RFLAGS exactly as R11 says, and as SYSRET would.
// Anything else returns through IRETQ with every register from the frame.
TEXT ·syscallReturn(SB),NOSPLIT|NOFRAME,$0
	CLI
	CMPQ	TF_FPUPARTIAL(SP), $0
	JEQ	fxrstor
	LOAD_SYSCALL_FP
	JMP	fs
fxrstor:
	FXRSTOR64	(SP)
fs:
	ADDQ	$512, SP
	MOVQ	0(SP), AX
	CMPB	·fsgsbase(SB), $0
	JEQ	wrmsr
	WRFSBASEQ	AX
	JMP	regs
wrmsr:
	WRFSBASE_AX
regs:
	ADDQ	$16, SP
	// SP is at R15; RCX at 96, R11 at 32, RIP at 136, RFLAGS at 152.
	MOVQ	96(SP), CX
	CMPQ	CX, 136(SP)
	JNE	slow
	MOVQ	32(SP), R11
	CMPQ	R11, 152(SP)
	JNE	slow
	CMPB	·lahfsahf(SB), $0
	JEQ	slow
	TESTQ	$0x200, R11		// IF
	JEQ	slow
	TESTQ	$~fastRFLAGS, R11
	JNE	slow
	POPQ	R15
	POPQ	R14
	POPQ	R13
	POPQ	R12
	ADDQ	$8, SP			// R11: RFLAGS, below
	POPQ	R10
	POPQ	R9
	POPQ	R8
	POPQ	BP
	POPQ	DI
	POPQ	SI
	POPQ	DX
	ADDQ	$8, SP			// RCX: RIP, already in CX
	// The status flags from R11, with AX and BX as scratch before
	// their pops; from here on only moves, pops and STI, which leave
	// them alone. AH gets RFLAGS bits 7..0 first (the shift sets flags
	// of its own). Then OF (bit 11): moved to bit 31 and added to
	// itself, it overflows exactly when it was set. Last SAHF loads
	// SF, ZF, AF, PF and CF from AH and keeps OF.
	MOVL	R11, AX
	SHLL	$8, AX
	MOVL	R11, BX
	ANDL	$0x800, BX
	SHLL	$20, BX
	ADDL	BX, BX
	SAHF
	POPQ	BX
	POPQ	AX
	// SP is at the vector word: RSP at 40.
	MOVQ	40(SP), SP
	STI
	JMP	CX
slow:
	JMP	popAndIret<>(SB)

// buildFrame pushes the general registers and the FS base, saves the x87/SSE
// state with FXSAVE (the Go code about to run uses XMM registers and zeroes
// X15), switches FS to the current task's KernelContext and calls the Go
// dispatcher with the frame. On return it falls into trapReturn.
//
// Entry: SP points at the vector word, 8 bytes off 16-byte alignment.
TEXT buildFrame<>(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	AX
	PUSHQ	BX
	PUSHQ	CX
	PUSHQ	DX
	PUSHQ	SI
	PUSHQ	DI
	PUSHQ	BP
	PUSHQ	R8
	PUSHQ	R9
	PUSHQ	R10
	PUSHQ	R11
	PUSHQ	R12
	PUSHQ	R13
	PUSHQ	R14
	PUSHQ	R15
	SUBQ	$16, SP		// FS base, FPU-partial flag: SP is 16-byte aligned
	RDFSBASE_AX
	MOVQ	AX, 0(SP)
	MOVQ	$0, 8(SP)	// the whole FXSAVE image follows
	SUBQ	$512, SP
	FXSAVE64	(SP)
	// FS to the kernel context, unless the interrupted code was in it
	// already (an interrupt in the kernel): written only when it changes.
	MOVQ	CPU_CURRENT(GS), BX
	MOVQ	TC_KERNELFS(BX), AX
	CMPQ	AX, TF_FSBASE(SP)
	JEQ	inkernel
	WRFSBASE_AX
	JMP	fsdone
inkernel:
	// Kernel code was interrupted, on the stand-in g at AX. Its stack
	// guard is as KernelContext.Init set it, unless the Go runtime's
	// entersyscall ran on it (syscall.Syscall in kernel context), which
	// stores stackPreempt there: then every Go prologue from here on
	// would call morestack ("morestack on g0"). Put it back and mark the
	// frame, keeping the vector that found it in the error-code word.
	MOVQ	G_STACKLO(AX), CX
	ADDQ	$STACK_GUARD, CX
	CMPQ	CX, G_STACKGUARD0(AX)
	JEQ	fsdone
	MOVQ	CX, G_STACKGUARD0(AX)
	MOVQ	TF_VECTOR(SP), CX
	MOVQ	CX, TF_ERRCODE(SP)
	MOVQ	$VEC_STANDIN_OVERWRITTEN, TF_VECTOR(SP)
fsdone:
	// A frame-pointer record for backtraces: BP chains to the interrupted
	// BP through the saved RBP slot, with the interrupted RIP above it.
	MOVQ	SP, DI
	SUBQ	$16, SP
	MOVQ	DI, 0(SP)
	MOVQ	$0, 8(SP)
	MOVQ	$0, BP
	CALL	·trap(SB)
	ADDQ	$16, SP
	JMP	·trapReturn(SB)

// trapReturn unwinds a TrapFrame at SP and returns to the interrupted code
// with IRETQ, which also restores RFLAGS (so IF) and RSP. SYSRET cannot be
// used: it always returns to CPL 3 (SDM Vol. 2B, SYSRET). A frame that
// holds only the lean system-call part of the x87/SSE state (a clone
// child's first return) is restored as syscallReturn restores it.
TEXT ·trapReturn(SB),NOSPLIT|NOFRAME,$0
	CLI
	CMPQ	TF_FPUPARTIAL(SP), $0
	JNE	partial
	FXRSTOR64	(SP)
	JMP	fs
partial:
	LOAD_SYSCALL_FP
fs:
	// In kernel context FS is the current task's kernel context (this
	// file's rule): write the frame's only if it differs.
	ADDQ	$512, SP
	MOVQ	0(SP), AX
	MOVQ	CPU_CURRENT(GS), BX
	CMPQ	AX, TC_KERNELFS(BX)
	JEQ	fsdone
	WRFSBASE_AX
fsdone:
	ADDQ	$16, SP
	JMP	popAndIret<>(SB)

// popAndIret pops the general registers of a TrapFrame whose FPU state
// and FS base are restored already (SP at R15) and returns with IRETQ.
TEXT popAndIret<>(SB),NOSPLIT|NOFRAME,$0
	POPQ	R15
	POPQ	R14
	POPQ	R13
	POPQ	R12
	POPQ	R11
	POPQ	R10
	POPQ	R9
	POPQ	R8
	POPQ	BP
	POPQ	DI
	POPQ	SI
	POPQ	DX
	POPQ	CX
	POPQ	BX
	POPQ	AX
	ADDQ	$16, SP		// vector, error code
	IRETQ

// forkReturn is where a new task starts: SwitchTo returns here with SP at
// the TrapFrame prepared by NewTaskStack. The scheduler's tail runs first
// (it releases what schedule() held across the switch), then the frame is
// unwound into the task's first instruction.
TEXT ·forkReturn(SB),NOSPLIT|NOFRAME,$0
	CALL	·forkTail(SB)
	JMP	·trapReturn(SB)

// SwitchTo saves the callee state of prev (BP, SP, the x87/SSE state) and
// resumes next where it last called SwitchTo, or at forkReturn for a new
// task. Expects interrupts off. FS base is set to next's KernelContext,
// because both tasks are in kernel context here, and GS:CPU_CURRENT to next.
//
// NOFRAME: SwitchTo calls the FPU helpers, and a function with calls
// would otherwise get a frame-pointer prologue from the assembler, which
// changes the saved-stack layout that NewTaskStack prepares.
//
// func SwitchTo(prev, next *TaskContext)
TEXT ·SwitchTo(SB),NOSPLIT|NOFRAME,$0-16
	MOVQ	prev+0(FP), AX
	MOVQ	next+8(FP), BX
	PUSHQ	BP
	// x87/SSE: saved and restored by the helpers in xsave_amd64.s, which
	// use FXSAVE, XSAVE or XSAVEOPT as package fpu chose and keep AX, BX.
	MOVQ	TC_FPU(AX), CX
	CALL	·fpuSwitchSave(SB)
	MOVQ	TC_FPU(BX), CX
	CALL	·fpuSwitchRestore(SB)
	MOVQ	SP, TC_KSP(AX)
	MOVQ	TC_KSP(BX), SP
	MOVQ	BX, CPU_CURRENT(GS)
	MOVQ	TC_KERNELFS(BX), AX
	WRFSBASE_AX
	POPQ	BP
	RET

// CallOnKernelStack runs fn on the current task's kernel stack in kernel
// context, and comes back to the caller's stack and FS. It is how code in
// task context (on a goroutine stack, with the runtime's g) enters the
// scheduler: preempt_schedule() must not run on a goroutine stack, which
// may need to grow, nor with a g that the runtime may preempt.
// The caller guarantees it is not on the kernel stack already.
//
// func CallOnKernelStack(fn func())
TEXT ·CallOnKernelStack(SB),NOSPLIT,$0-8
	MOVQ	fn+0(FP), R12
	PUSHFQ
	POPQ	R13		// caller's RFLAGS (IF)
	CLI
	RDFSBASE_AX
	MOVQ	AX, R15		// caller's FS base
	MOVQ	SP, R11		// caller's SP
	MOVQ	CPU_CURRENT(GS), BX
	MOVQ	TC_KSTACKHI(BX), SP
	ANDQ	$~15, SP
	PUSHQ	R11
	PUSHQ	R15
	PUSHQ	R13
	PUSHQ	BP
	MOVQ	TC_KERNELFS(BX), AX
	WRFSBASE_AX
	MOVQ	$0, BP
	PUSHQ	R13
	POPFQ			// fn runs with the caller's interrupt state
	// Enter ABIInternal directly: g in R14, X15 zero, closure in DX.
	MOVQ	-8(FS), R14
	XORPS	X15, X15
	MOVQ	R12, DX
	MOVQ	0(DX), AX
	CALL	AX
	CLI
	POPQ	BP
	POPQ	R13
	POPQ	R15
	POPQ	R11
	MOVQ	R15, AX
	WRFSBASE_AX
	MOVQ	R11, SP
	PUSHQ	R13
	POPFQ
	RET

// gsCurrent reads CPULocal.Current through GS.
TEXT ·gsCurrent(SB),NOSPLIT,$0-8
	MOVQ	CPU_CURRENT(GS), AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·SetCurrent(SB),NOSPLIT,$0-8
	MOVQ	tc+0(FP), AX
	MOVQ	AX, CPU_CURRENT(GS)
	RET

TEXT ·forkReturnAddr(SB),NOSPLIT,$0-8
	LEAQ	·forkReturn(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

TEXT ·syscallEntryAddr(SB),NOSPLIT,$0-8
	LEAQ	·syscallEntry(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// fxsave stores the current x87/SSE state at p (16-byte aligned), for
// TrapFrame.CompleteFPU.
//
// func fxsave(p *[512]byte)
TEXT ·fxsave(SB),NOSPLIT,$0-8
	MOVQ	p+0(FP), AX
	FXSAVE64	(AX)
	RET
