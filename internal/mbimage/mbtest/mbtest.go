// Package mbtest hand-assembles tiny Multiboot images for host tests that
// need QEMU to boot something small and predictable: report a status,
// print to the serial port, hang, or triple-fault.
//
// The guests are a few bytes of 32-bit code, written out as machine code
// because the Go toolchain cannot assemble 32-bit x86. QEMU's Multiboot
// loader enters them in 32-bit protected mode with paging off, flat
// segments and interrupts disabled (Multiboot Specification §3.2).
package mbtest

import "gopreempt/internal/mbimage"

const (
	// LoadAddr is where the image's first byte (its header) is loaded:
	// the lowest address mbimage considers usable.
	LoadAddr = mbimage.MinAddr
	// CodeAddr is where the guest code, which follows the header, lands.
	CodeAddr = LoadAddr + mbimage.HeaderSize

	// debugExitPort is the isa-debug-exit iobase the runners configure.
	debugExitPort = 0xf4
	// com1 is the first 16550 UART's I/O base, which -serial connects.
	com1 = 0x3f8
)

// Image returns a Multiboot image: the header at offset 0, code right
// after it, entry at the first byte of code, no bss.
func Image(code []byte) []byte {
	end := uint32(CodeAddr + len(code))
	info := mbimage.Info{
		HeaderAddr:  LoadAddr,
		LoadAddr:    LoadAddr,
		LoadEndAddr: end,
		BssEndAddr:  end,
		EntryAddr:   CodeAddr,
	}
	return append(info.Header(), code...)
}

// x86 instructions used below, as encoded in 32-bit mode.
var (
	cli  = []byte{0xfa}
	hlt  = []byte{0xf4}
	int3 = []byte{0xcc}
)

func movAL(v byte) []byte    { return []byte{0xb0, v} }
func outImmAL(p byte) []byte { return []byte{0xe6, p} }
func movDX(v uint16) []byte  { return []byte{0x66, 0xba, byte(v), byte(v >> 8)} }
func outDXAL() []byte        { return []byte{0xee} }
func lidtAbs(addr uint32) []byte { // lidt [disp32]: 0F 01 /3, ModRM 00 011 101
	return []byte{0x0f, 0x01, 0x1d, byte(addr), byte(addr >> 8), byte(addr >> 16), byte(addr >> 24)}
}

// haltForever is cli; hlt; jmp back to hlt. With interrupts off the CPU
// stays halted (an NMI would resume it, hence the jump).
func haltForever() []byte {
	return cat(cli, hlt, []byte{0xeb, 0xfd}) // jmp rel8 -3: back to hlt
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// Exit is a guest that writes v to the debug-exit port, so QEMU exits
// with status (v<<1)|1.
func Exit(v byte) []byte {
	return cat(movAL(v), outImmAL(debugExitPort), haltForever())
}

// Print is a guest that writes text to COM1 byte by byte and then reports
// v. QEMU's UART model transmits without any initialisation, so no
// divisor or line-control setup is needed.
func Print(text string, v byte) []byte {
	code := movDX(com1)
	for i := 0; i < len(text); i++ {
		code = cat(code, movAL(text[i]), outDXAL())
	}
	return cat(code, Exit(v))
}

// Hang is a guest that never reports: it halts with interrupts off.
func Hang() []byte {
	return haltForever()
}

// TripleFault is a guest that loads an empty IDT (limit 0) and executes
// int3. Delivering the breakpoint exception faults (#GP: vector outside the
// IDT), delivering that faults again (#DF), and the third fault resets
// the CPU, which QEMU under -no-reboot turns into a clean exit 0.
func TripleFault() []byte {
	const descLen = 6 // IDTR operand: 16-bit limit, 32-bit base
	code := cat(cli, lidtAbs(0), int3, haltForever())
	descAddr := uint32(CodeAddr + len(code))
	code = cat(cli, lidtAbs(descAddr), int3, haltForever()) // same length
	return append(code, make([]byte, descLen)...)
}

// EchoCmdline is a guest that copies the Multiboot command line to COM1,
// followed by a newline, and then reports v. It reads the cmdline pointer
// from the Multiboot information structure (offset 16), whose address the
// loader leaves in EBX.
func EchoCmdline(v byte) []byte {
	return cat(
		[]byte{0x8b, 0x73, 0x10}, // mov esi, [ebx+16]
		movDX(com1),
		// loop:
		[]byte{0x8a, 0x06}, // mov al, [esi]
		[]byte{0x84, 0xc0}, // test al, al
		[]byte{0x74, 0x04}, // jz done (skip the next 4 bytes)
		outDXAL(),
		[]byte{0x46},       // inc esi
		[]byte{0xeb, 0xf6}, // jmp loop (-10)
		// done:
		movAL('\n'), outDXAL(),
		Exit(v),
	)
}
