package amd64

import (
	"unsafe"

	"gopreempt/internal/addr"
)

// TrapFrame is what the entry code leaves on the kernel stack for every
// interrupt, exception and system call, lowest address first. The FXSAVE
// area comes first because FXSAVE needs 16-byte alignment (SDM Vol. 1,
// 10.5.1); the entry code aligns the frame so that it has it. The
// general registers are pushed in the order RAX..R15, so they appear
// reversed here. Vector..SS are the stub's two words and the CPU's
// five-word interrupt frame (SDM Vol. 3A, figure 6-9); for SYSCALL the
// entry code builds the same five words from RCX (RIP) and R11 (RFLAGS).
//
// Handlers may change the frame: a system call's result goes in RAX, and
// the page-fault handler, clone and the oops path rewrite RIP/RSP.
//
// FPU is a whole FXSAVE image when FPUPartial is zero (interrupts,
// exceptions, new tasks). A system call's entry saves only XMM0-15 and
// MXCSR, in their places in the image, and sets FPUPartial: the rest of
// the x87/SSE state is still in the registers, since kernel code never
// touches it (docs/syscall.md). Code that reads or replaces the image as
// a whole calls CompleteFPU or SetFPUImage first.
type TrapFrame struct {
	FPU        [512]byte // FXSAVE image of the interrupted x87/SSE state
	FSBase     uint64    // the interrupted FS base (the runtime's TLS)
	FPUPartial uint64    // non-zero: FPU holds only XMM0-15 and MXCSR

	R15, R14, R13, R12, R11, R10, R9, R8 uint64
	RBP, RDI, RSI, RDX, RCX, RBX, RAX    uint64

	Vector    uint64
	ErrorCode uint64

	RIP, CS, RFLAGS, RSP, SS uint64
}

// TrapFrameSize is the frame's size in bytes (a multiple of 16).
const TrapFrameSize = 512 + 24*8

// InterruptsWereEnabled reports whether the interrupted code ran with IF set.
func (f *TrapFrame) InterruptsWereEnabled() bool { return f.RFLAGS&FlagIF != 0 }

// Where the lean system-call entry stores what it saves, as in an FXSAVE
// image (SDM Vol. 1, table 10-2): MXCSR at byte 24, XMM0-15 from 160.
const (
	fxMXCSR   = 24
	fxMXCSRLo = 28 // MXCSR_MASK follows MXCSR
	fxXMM     = 160
	fxXMMEnd  = 160 + 16*16
)

// CompleteFPU makes f.FPU a whole FXSAVE image of the interrupted state:
// for a system-call frame it adds what the entry did not save (x87
// registers, control and status words, MXCSR_MASK), which the registers
// still hold, to the XMM registers and MXCSR that it did. The caller is
// the task that made the call, in its system call: its x87 state is in
// the CPU (the context switch keeps it). No allocation.
func (f *TrapFrame) CompleteFPU() {
	if f.FPUPartial == 0 {
		return
	}
	var buf [512 + 16]byte
	img := (*[512]byte)(addr.Ptr((uintptr(unsafe.Pointer(&buf[0])) + 15) &^ 15))
	fxsave(img)
	copy(f.FPU[:fxMXCSR], img[:fxMXCSR])
	copy(f.FPU[fxMXCSRLo:fxXMM], img[fxMXCSRLo:fxXMM])
	copy(f.FPU[fxXMMEnd:], img[fxXMMEnd:])
	f.FPUPartial = 0
}

// SetFPUImage replaces the frame's x87/SSE state with the whole image img:
// the return path restores it with FXRSTOR.
func (f *TrapFrame) SetFPUImage(img *[512]byte) {
	f.FPU = *img
	f.FPUPartial = 0
}

// fxsave stores the current x87/SSE state at p (16-byte aligned).
func fxsave(p *[512]byte)
