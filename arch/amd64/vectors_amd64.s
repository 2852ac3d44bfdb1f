#include "textflag.h"

// The IDT's 256 entry stubs, as one table of fixed-size slots: the stub
// of vector v starts at vectorStubs + v*vectorStubSize (idt.go), which is
// how BuildIDT finds it. Each stub makes the stack look the same for
// every vector, an error code under the vector number, and jumps to
// trapCommon (entry_amd64.s), which expects
// 0(SP)=vector 8=error code 16=RIP 24=CS 32=RFLAGS 40=RSP 48=SS.
//
// The CPU pushes an error code for #DF, #TS, #NP, #SS, #GP, #PF, #AC and
// #CP (SDM Vol. 3A, 6.13 and table 6-1), and for AMD's #VC (29) and #SX
// (30) (AMD64 APM Vol. 2, 8.2); ERRCODE_STUB leaves it be. Every other
// vector, the external interrupts among them, gets a zero in its place
// from STUB.
//
// The ADJSP after each JMP never runs. The assembler counts the stack
// depth straight through the table, and the linker checks the NOSPLIT
// chain from every JMP with that count: ADJSP gives back what the stub
// pushed, so each stub starts from the CPU's frame again. (It costs the
// slot 4 bytes, an ADDQ.)
//
// PCALIGN pads each stub to the next 16-byte boundary, with NOPs that
// never run either, so the slots are equal whatever encoding the
// assembler picks: the longest stub, PUSHQ $0; PUSHQ $imm32; JMP rel32;
// ADDQ $16, SP, is 16 bytes. The Go linker starts every function on a
// 32-byte boundary, so the table's own start is aligned too.
// TestVectorStubs (vectors_test.go) decodes all 256 slots.
#define STUB(v)		PCALIGN $16; PUSHQ $0; PUSHQ $(v); JMP ·trapCommon(SB); ADJSP $-16
#define ERRCODE_STUB(v)	PCALIGN $16; PUSHQ $(v); JMP ·trapCommon(SB); ADJSP $-8
#define STUB16(v)	STUB(v); STUB(v+1); STUB(v+2); STUB(v+3); STUB(v+4); STUB(v+5); STUB(v+6); STUB(v+7); \
			STUB(v+8); STUB(v+9); STUB(v+10); STUB(v+11); STUB(v+12); STUB(v+13); STUB(v+14); STUB(v+15)

// Entered by the CPU through an interrupt gate: interrupts off, on the
// vector's IST stack, with the CPU's frame (and for some exceptions its
// error code) on it. Leaves for trapCommon with the vector pushed.
TEXT ·vectorStubs(SB),NOSPLIT|NOFRAME,$0
	// The exceptions (SDM Vol. 3A, table 6-1).
	STUB(0)		// #DE
	STUB(1)		// #DB
	STUB(2)		// NMI
	STUB(3)		// #BP
	STUB(4)		// #OF
	STUB(5)		// #BR
	STUB(6)		// #UD
	STUB(7)		// #NM
	ERRCODE_STUB(8)	// #DF (always zero)
	STUB(9)		// coprocessor segment overrun (reserved since the 486)
	ERRCODE_STUB(10)	// #TS
	ERRCODE_STUB(11)	// #NP
	ERRCODE_STUB(12)	// #SS
	ERRCODE_STUB(13)	// #GP
	ERRCODE_STUB(14)	// #PF
	STUB(15)	// reserved
	STUB(16)	// #MF
	ERRCODE_STUB(17)	// #AC (always zero)
	STUB(18)	// #MC
	STUB(19)	// #XM
	STUB(20)	// #VE
	ERRCODE_STUB(21)	// #CP
	STUB(22); STUB(23); STUB(24); STUB(25); STUB(26); STUB(27); STUB(28)	// reserved
	ERRCODE_STUB(29)	// AMD #VC
	ERRCODE_STUB(30)	// AMD #SX
	STUB(31)	// reserved

	// External interrupts and IPIs: 32 to 255.
	STUB16(32)
	STUB16(48)
	STUB16(64)
	STUB16(80)
	STUB16(96)
	STUB16(112)
	STUB16(128)
	STUB16(144)
	STUB16(160)
	STUB16(176)
	STUB16(192)
	STUB16(208)
	STUB16(224)
	STUB16(240)

// func vectorStubsAddr() uintptr
TEXT ·vectorStubsAddr(SB),NOSPLIT,$0-8
	LEAQ	·vectorStubs(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
