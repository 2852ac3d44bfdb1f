#include "textflag.h"

// entry32 is where the Multiboot loader jumps (the ELF entry point, set
// with -ldflags=-E=gopreempt/boot.entry32). The Multiboot v1 spec, 3.2,
// leaves the CPU in 32-bit protected mode with paging off, interrupts off,
// EAX = 0x2BADB002, EBX = physical address of the multiboot information,
// flat 4 GiB CS/DS, and no valid stack.
//
// The Go assembler only emits 64-bit encodings, so the 32-bit part is
// written as bytes, each line with the instruction it encodes. It uses
// fixed low-memory addresses (free conventional memory below 640 KiB,
// clear of where QEMU's loader leaves the Multiboot memory map, around
// 0x9000):
//
//	0x7c00           a temporary stack for one CALL/POP and the far return
//	0x6f000..0x6f01f a three-entry GDT (null, 64-bit code 0x08, data 0x10)
//	0x70000          PML4        -> 0x71000
//	0x71000          PDPT[0..3]  -> 0x72000..0x75000
//	0x72000..0x75fff 2048 page-directory entries: 2 MiB pages, identity
//	                 mapping the first 4 GiB (SDM Vol. 3A, 4.5)
//
// Then long mode is switched on in the order SDM Vol. 3A 10.8.5 gives
// (CR4.PAE, CR3, EFER.LME, CR0.PG) and a far return loads the 64-bit code
// segment. EAX and EBX are left untouched until 64-bit mode.
TEXT ·entry32(SB),NOSPLIT|NOFRAME,$0
	BYTE $0xfa                                    // cli
	BYTE $0xbc; LONG $0x7c00                      // mov esp, 0x7c00
	BYTE $0x89; BYTE $0xc6                        // mov esi, eax        (keep the magic)
	BYTE $0xbf; LONG $0x70000                     // mov edi, 0x70000
	BYTE $0x31; BYTE $0xc0                        // xor eax, eax
	BYTE $0xb9; LONG $0x1800                      // mov ecx, 6*4096/4
	BYTE $0xf3; BYTE $0xab                        // rep stosd           (zero the tables)
	BYTE $0xc7; BYTE $0x05; LONG $0x70000; LONG $0x71003 // mov [PML4], PDPT|P|W
	BYTE $0xc7; BYTE $0x05; LONG $0x71000; LONG $0x72003 // mov [PDPT+0], PD0|P|W
	BYTE $0xc7; BYTE $0x05; LONG $0x71008; LONG $0x73003 // mov [PDPT+8], PD1|P|W
	BYTE $0xc7; BYTE $0x05; LONG $0x71010; LONG $0x74003 // mov [PDPT+16], PD2|P|W
	BYTE $0xc7; BYTE $0x05; LONG $0x71018; LONG $0x75003 // mov [PDPT+24], PD3|P|W
	BYTE $0xbf; LONG $0x72000                     // mov edi, 0x72000
	BYTE $0xb8; LONG $0x83                        // mov eax, P|W|PS
	BYTE $0xb9; LONG $2048                        // mov ecx, 2048
	BYTE $0x89; BYTE $0x07                        // 1: mov [edi], eax
	BYTE $0x05; LONG $0x200000                    //    add eax, 2 MiB
	BYTE $0x83; BYTE $0xc7; BYTE $0x08            //    add edi, 8
	BYTE $0x49                                    //    dec ecx
	BYTE $0x75; BYTE $0xf3                        //    jnz 1b
	BYTE $0xb8; LONG $0x620                       // mov eax, PAE|OSFXSR|OSXMMEXCPT
	BYTE $0x0f; BYTE $0x22; BYTE $0xe0            // mov cr4, eax
	BYTE $0xb8; LONG $0x70000                     // mov eax, PML4
	BYTE $0x0f; BYTE $0x22; BYTE $0xd8            // mov cr3, eax
	BYTE $0xb9; LONG $0xc0000080                  // mov ecx, IA32_EFER
	BYTE $0x0f; BYTE $0x32                        // rdmsr
	BYTE $0x0d; LONG $0x100                       // or eax, EFER.LME
	BYTE $0x0f; BYTE $0x30                        // wrmsr
	BYTE $0xb8; LONG $0x80010023                  // mov eax, PG|WP|NE|MP|PE
	BYTE $0x0f; BYTE $0x22; BYTE $0xc0            // mov cr0, eax  (now IA-32e compatibility mode)
	BYTE $0xc7; BYTE $0x05; LONG $0x6f000; LONG $0x00000000 // GDT[0] = null
	BYTE $0xc7; BYTE $0x05; LONG $0x6f004; LONG $0x00000000
	BYTE $0xc7; BYTE $0x05; LONG $0x6f008; LONG $0x0000ffff // GDT[1] = 64-bit code, DPL 0 (L=1)
	BYTE $0xc7; BYTE $0x05; LONG $0x6f00c; LONG $0x00af9a00
	BYTE $0xc7; BYTE $0x05; LONG $0x6f010; LONG $0x0000ffff // GDT[2] = data, DPL 0
	BYTE $0xc7; BYTE $0x05; LONG $0x6f014; LONG $0x00cf9200
	BYTE $0xc7; BYTE $0x05; LONG $0x6f018; LONG $0xf0000017 // GDTR: limit 23, base 0x6f000
	BYTE $0xc7; BYTE $0x05; LONG $0x6f01c; LONG $0x00000006
	BYTE $0x0f; BYTE $0x01; BYTE $0x15; LONG $0x6f018 // lgdt [0x6f018]
	BYTE $0x31; BYTE $0xed                        // xor ebp, ebp       (ends backtraces)
	BYTE $0xe8; LONG $0                           // call 1f
	BYTE $0x5a                                    // 1: pop edx         (edx = address of this byte)
	BYTE $0x81; BYTE $0xc2; LONG $11              // add edx, 11        (= address of entry64 below)
	BYTE $0x6a; BYTE $0x08                        // push 0x08          (64-bit code selector)
	BYTE $0x52                                    // push edx
	BYTE $0xcb                                    // retf               (loads CS: 64-bit mode)

	// entry64: 64-bit mode, identity-mapped first 4 GiB, CS = 0x08.
	MOVL	$0x10, AX
	MOVW	AX, DS
	MOVW	AX, ES
	MOVW	AX, SS
	XORL	AX, AX
	MOVW	AX, FS
	MOVW	AX, GS
	MOVL	SI, SI		// zero-extend: the upper halves are undefined after the mode switch
	MOVL	BX, BX
	JMP	·entry64(SB)

// entry64 runs the first Go code. Compiled Go finds its g at -8(FS) (see
// arch/amd64/kernel_g.go), so before calling Go, FS base must point just
// past a slot that holds a g. bootG is all zeroes: its stack guard is 0,
// so no stack check can fire, which is right for the boot stack whose
// bounds start() sets up properly before doing anything else.
//
// Entry: SI = Multiboot magic, BX = Multiboot information address.
#define PUTC(c) MOVB $(c), AL; OUTB

TEXT ·entry64(SB),NOSPLIT|NOFRAME,$0
	// RAM must reach the top of the boot stack, or the first CALL pushes
	// into nothing. Without a stack there is no Go and no console: report
	// exitstatus.TooLittleMemory on the debug-exit port and stop
	// (min_memory.go). mem_upper (Multiboot flag 0) is the KiB of RAM
	// above 1 MiB.
	CMPL	SI, $0x2BADB002
	JNE	stackfits
	MOVL	0(BX), AX	// flags
	TESTL	$1, AX
	JZ	stackfits
	MOVL	8(BX), AX	// mem_upper
	ADDQ	$1024, AX
	SHLQ	$10, AX	// end of RAM, in bytes
	LEAQ	·bootStack+262144(SB), CX
	CMPQ	AX, CX
	JAE	stackfits
	// The message goes straight to COM1's transmit register (QEMU's
	// 16550 needs no set-up for that), one immediate byte at a time:
	// rodata may be beyond RAM too.
	MOVL	$0x3f8, DX
	PUTC('b'); PUTC('o'); PUTC('o'); PUTC('t'); PUTC(':'); PUTC(' ')
	PUTC('t'); PUTC('o'); PUTC('o'); PUTC(' '); PUTC('l'); PUTC('i')
	PUTC('t'); PUTC('t'); PUTC('l'); PUTC('e'); PUTC(' '); PUTC('R')
	PUTC('A'); PUTC('M'); PUTC(' '); PUTC('f'); PUTC('o'); PUTC('r')
	PUTC(' '); PUTC('e'); PUTC('v'); PUTC('e'); PUTC('n'); PUTC(' ')
	PUTC('t'); PUTC('h'); PUTC('e'); PUTC(' '); PUTC('b'); PUTC('o')
	PUTC('o'); PUTC('t'); PUTC(' '); PUTC('s'); PUTC('t'); PUTC('a')
	PUTC('c'); PUTC('k'); PUTC(';'); PUTC(' '); PUTC('g'); PUTC('i')
	PUTC('v'); PUTC('e'); PUTC(' '); PUTC('Q'); PUTC('E'); PUTC('M')
	PUTC('U'); PUTC(' '); PUTC('m'); PUTC('o'); PUTC('r'); PUTC('e')
	PUTC(' '); PUTC('m'); PUTC('e'); PUTC('m'); PUTC('o'); PUTC('r')
	PUTC('y'); PUTC(' '); PUTC('('); PUTC('-'); PUTC('m'); PUTC(')')
	PUTC(13); PUTC(10)
	MOVL	$117, AX	// exitstatus.TooLittleMemory
	MOVL	$0xf4, DX	// kernel/poweroff.go's debugExitPort
	OUTB
	JMP	hang
stackfits:
	LEAQ	·bootStack+262144(SB), SP
	LEAQ	·bootG(SB), AX
	MOVQ	AX, ·bootTLS(SB)
	LEAQ	·bootTLS+8(SB), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$0xC0000100, CX
	WRMSR
	SUBQ	$16, SP
	MOVQ	SI, 0(SP)
	MOVQ	BX, 8(SP)
	CALL	·start(SB)
hang:
	CLI
	HLT
	JMP	hang

// rt0Addr is the Go runtime's Linux entry point: what a Linux kernel
// would jump to after exec, with SP at argc.
TEXT ·rt0Addr(SB),NOSPLIT,$0-8
	LEAQ	_rt0_amd64_linux(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// imageEnd is the end of the kernel image's BSS (runtime.end, set by
// the linker).
TEXT ·imageEnd(SB),NOSPLIT,$0-8
	LEAQ	runtime·end(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
