package amd64

// The x87/SSE state of a task, and the XSAVE feature set.
//
// SwitchTo saves and restores the state every Go task needs (x87 and SSE:
// the Go compiler keeps values in XMM registers and X15 is its zero
// register) with one of three instruction pairs, chosen by the fpu
// package: FXSAVE64/FXRSTOR64, XSAVE64/XRSTOR64 or XSAVEOPT64/XRSTOR64.
// Whichever it is, it saves exactly the components x87 and SSE (state
// components 0 and 1, SDM Vol. 1, 13.1): the extended state (the upper
// halves of the YMM registers) is never switched; kernel_fpu_begin/end
// (package fpu) guard it instead.
//
// The save instruction can change while tasks are switched out (the
// benchmarks compare them), so each save also records which format it
// wrote, and the restore picks the matching instruction. The record is a
// byte at offset FPUTagOffset: bytes 464..511 of the legacy region are
// left to software, neither FXSAVE nor XSAVE* writes them (SDM Vol. 1,
// 10.5.1 and 13.4.1). A fresh area is all zero there, which means
// "FXSAVE image", and kernel/fork.go fills it as FNINIT would.
//
// XRSTOR cannot restore an image written by FXSAVE unless its XSAVE
// header says which components it holds, and FXRSTOR must not restore an
// image written by XSAVEOPT: XSAVEOPT may leave a component that is in
// its initial configuration unwritten and only clear its XSTATE_BV bit
// (the init optimization, SDM Vol. 1, 13.6 and 13.9), which FXRSTOR
// does not read. Hence the tag rather than a single global choice.

// Save formats, which are also the values of the tag byte.
const (
	FPUModeFXSAVE   = 0 // FXSAVE64 / FXRSTOR64
	FPUModeXSAVE    = 1 // XSAVE64 / XRSTOR64, standard format
	FPUModeXSAVEOPT = 2 // XSAVEOPT64 / XRSTOR64
)

// FPUTagOffset is where the save path records the format it used (the
// assembly reads it, and FPUSwitchMask, through go_asm.h).
const FPUTagOffset = 464

// XCR0 state-component bits (SDM Vol. 1, 13.1).
const (
	XCR0X87 = 1 << 0 // x87 state; must always be set
	XCR0SSE = 1 << 1 // XMM0-15 and MXCSR
	XCR0YMM = 1 << 2 // the upper halves of YMM0-15 (AVX state)
)

// FPUSwitchMask is the instruction mask SwitchTo passes to XSAVE* and
// XRSTOR in EDX:EAX: x87 and SSE only, whatever XCR0 holds at the time.
// A task that went to sleep inside a bracket (a reported bug) therefore
// never leaves an XSTATE_BV bit for YMM in its area, which XRSTOR on a
// CPU whose XCR0 lacks YMM would refuse with #GP (SDM Vol. 1, 13.8.1).
const FPUSwitchMask = XCR0X87 | XCR0SSE

// CR4.OSXSAVE enables XGETBV, XSETBV and the XSAVE instructions, and is
// what CPUID.1:ECX.OSXSAVE[27] reflects (SDM Vol. 3A, 2.5).
const CR4OSXSAVE = 1 << 18

// fpuSwitchMode is the format SwitchTo saves in; SwitchTo's helpers read
// it with a plain load (xsave_amd64.s).
var fpuSwitchMode uint32

// SetFPUSwitchMode selects the save instruction for every later switch.
// The caller (fpu.SetSwitchMode) has checked that every online CPU can
// execute it: XSAVE* needs CR4.OSXSAVE on the CPU that runs it.
func SetFPUSwitchMode(m uint32) { fpuSwitchMode = m }

// FPUSwitchMode returns the current save format.
func FPUSwitchMode() uint32 { return fpuSwitchMode }

// FPUSave and FPURestore are SwitchTo's save and restore, callable from
// Go (for benchmarks and tests): area must be 64-byte aligned and outside
// the Go heap.
func FPUSave(area uintptr)
func FPURestore(area uintptr)

// FPUInitRegs puts this CPU's x87 and SSE control state in its initial
// configuration: FNINIT (control word 0x37f, empty register stack) and
// MXCSR 0x1f80 (SDM Vol. 1, 8.1.5 and 10.2.3.1).
func FPUInitRegs()

// Vzeroall zeroes YMM0-15. It is VEX-encoded: it raises #UD unless XCR0
// has SSE and YMM (SDM Vol. 2C, VZEROALL, exception type 8).
func Vzeroall()
