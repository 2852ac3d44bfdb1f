#include "textflag.h"

// apTrampoline is the code an application processor runs when the
// start-up IPI wakes it. It is never called here: startAPs copies these
// bytes to trampolineBase (0x8000) in low memory, because a SIPI can only
// start a processor in real mode, at CS = vector<<8, IP = 0, inside the
// first MiB (SDM Vol. 3A, 11.6.1, "Start-Up" delivery mode; MultiProcessor
// Specification 1.4, B.4.2). Vector 0x08 means physical 0x8000.
//
// As in entry32, the Go assembler has no 16- or 32-bit encodings, so the
// code is written as bytes, each line with the instruction it encodes and
// its offset in the page. The code uses absolute addresses: it is only
// correct at 0x8000, with the data that installTrampoline (trampoline.go)
// writes at 0x8800:
//
//	0x8800  GDT: null, 32-bit code (0x08), data (0x10), 64-bit code (0x18)
//	0x8826  LGDT operand: limit (2 bytes) then base (4 bytes)
//	0x882c  CR3 (the trampoline's page tables, below 4 GiB)
//	0x8830  IA32_EFER value, low dword then high dword at 0x8834
//	0x8838  the 64-bit address to jump to (apEntry64)
//
// The route is the one SDM Vol. 3A describes: real mode to protected mode
// (10.9.1: set CR0.PE, then a far jump at once), then protected mode to
// IA-32e mode (10.8.5: CR4.PAE, CR3, EFER.LME, then CR0.PG), then a far
// jump to a 64-bit code segment. Interrupts stay off all the way (no IDT
// exists for this processor until initCPU).
//
// trampoline_test.go disassembles these bytes and checks them against
// the listing and the addresses trampoline.go uses.
TEXT ·apTrampoline(SB),NOSPLIT|NOFRAME,$0
	// 16-bit real mode, CS base 0x8000.
	BYTE $0xfa                                        // 00: cli
	BYTE $0x31; BYTE $0xc0                            // 01: xor ax, ax
	BYTE $0x8e; BYTE $0xd8                            // 03: mov ds, ax       (absolute addresses from here)
	BYTE $0x0f; BYTE $0x01; BYTE $0x16; WORD $0x8826  // 05: lgdt [0x8826]    (16-bit form: 24-bit base, enough)
	BYTE $0x0f; BYTE $0x20; BYTE $0xc0                // 0a: mov eax, cr0     (CR moves are 32-bit in any mode)
	BYTE $0x66; BYTE $0x83; BYTE $0xc8; BYTE $0x01    // 0d: or eax, PE
	BYTE $0x0f; BYTE $0x22; BYTE $0xc0                // 11: mov cr0, eax     (protected mode...)
	BYTE $0x66; BYTE $0xea; LONG $0x801c; WORD $0x08  // 14: jmp dword 0x08:0x801c (...once CS is reloaded)

	// 32-bit protected mode, flat segments.
	BYTE $0xb8; LONG $0x10                            // 1c: mov eax, 0x10
	BYTE $0x8e; BYTE $0xd8                            // 21: mov ds, ax
	BYTE $0x8e; BYTE $0xc0                            // 23: mov es, ax
	BYTE $0x8e; BYTE $0xd0                            // 25: mov ss, ax
	BYTE $0xb8; LONG $0x620                           // 27: mov eax, PAE|OSFXSR|OSXMMEXCPT (SSE for Go code)
	BYTE $0x0f; BYTE $0x22; BYTE $0xe0                // 2c: mov cr4, eax
	BYTE $0xa1; LONG $0x882c                          // 2f: mov eax, [0x882c] (CR3)
	BYTE $0x0f; BYTE $0x22; BYTE $0xd8                // 34: mov cr3, eax
	BYTE $0xb9; LONG $0xc0000080                      // 37: mov ecx, IA32_EFER
	BYTE $0xa1; LONG $0x8830                          // 3c: mov eax, [0x8830] (LME, and NXE/SCE as the BSP has them)
	BYTE $0x8b; BYTE $0x15; LONG $0x8834              // 41: mov edx, [0x8834]
	BYTE $0x0f; BYTE $0x30                            // 47: wrmsr
	BYTE $0xb8; LONG $0x80010023                      // 49: mov eax, PG|WP|NE|MP|PE (also clears CD/NW, left set by INIT)
	BYTE $0x0f; BYTE $0x22; BYTE $0xc0                // 4e: mov cr0, eax     (IA-32e compatibility mode)
	BYTE $0xea; LONG $0x8058; WORD $0x18              // 51: jmp 0x18:0x8058  (64-bit code segment)

	// 64-bit mode, identity-mapped: leave low memory for the kernel image.
	BYTE $0xff; BYTE $0x24; BYTE $0x25; LONG $0x8838  // 58: jmp qword [0x8838]
	// 5f: end (trampolineCodeLen)

// apEntry64 is where an application processor enters the kernel image,
// in 64-bit mode on the trampoline's page tables, interrupts off and no
// stack.
// It finds its own boot stack by its local APIC ID, read from the APIC's
// ID register (SDM Vol. 3A, 11.4.6) rather than from a shared mailbox
// slot, so that a processor that starts late, after the boot CPU gave up
// on it and moved on, can never take the next processor's stack. A zero
// entry means nobody is expecting this processor: it halts.
//
// Then, as entry64 does for the boot CPU, FS base is pointed just past a
// TLS slot naming a zeroed stand-in g (apG), so compiled Go finds a g at
// -8(FS) whose stack guard of 0 never triggers a stack check; apStart
// replaces it with the idle task's kernel context.
TEXT ·apEntry64(SB),NOSPLIT|NOFRAME,$0
	// Leave the trampoline's page tables for the kernel's, which map
	// nothing at the trampoline page; the CR3 load flushes this CPU's
	// TLB of the trampoline's translations (mm/trampoline_pgd.go).
	MOVQ	·apKernelCR3(SB), AX
	MOVQ	AX, CR3
	MOVL	$0x1b, CX		// IA32_APIC_BASE
	RDMSR
	SHLQ	$32, DX
	ORQ	DX, AX
	ANDQ	$-4096, AX		// the register page's base
	MOVL	0x20(AX), BX		// local APIC ID register
	SHRL	$24, BX			// xAPIC ID: bits 31:24
	LEAQ	·apStackTop(SB), AX
	MOVQ	(AX)(BX*8), SP
	TESTQ	SP, SP
	JZ	hang
	LEAQ	·apTLS+8(SB), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$0xC0000100, CX		// IA32_FS_BASE
	WRMSR
	// xor ebp, ebp: ends backtraces. Bytes, because vet's frame-pointer
	// check does not know this function has no caller whose BP matters.
	BYTE $0x31; BYTE $0xed
	SUBQ	$16, SP
	MOVQ	BX, 0(SP)
	CALL	·apStart(SB)
hang:
	CLI
	HLT
	JMP	hang

// func trampolineCode() uintptr
TEXT ·trampolineCode(SB),NOSPLIT,$0-8
	LEAQ	·apTrampoline(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// func apEntry64Addr() uintptr
TEXT ·apEntry64Addr(SB),NOSPLIT,$0-8
	LEAQ	·apEntry64(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
