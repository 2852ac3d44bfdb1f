package fpu

import (
	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// Recognising AVX outside a bracket: the #UD handler's hook.
//
// Exception context: no allocation, no Go pointer stores, and every byte
// read outside the frame is checked to be mapped first.
//
// Outside a bracket XCR0 lacks YMM, so the CPU refuses every VEX- or
// EVEX-encoded instruction with #UD (SDM Vol. 2A, 2.8 and 2.6.11; table
// 2-37 lists the XCR0 bits each class needs). The hook recognises that
// case from the instruction bytes and XCR0 together. Other #UDs (UD2, a
// VEX instruction this CPU lacks, AVX-512 inside a bracket) are not its
// business: it returns false and the oops path reports them as before.
//
// The report proper (the decoded instruction, the Go traceback) needs the
// Go heap, so it is finished on the faulting goroutine (avx_report.go).
// Where that is impossible (the instruction ran in a handler, with
// preemption off, on a kernel stack) the BUG is reported here with the
// raw bytes, and the oops that follows ends the machine.

// InvalidOpcode is kernel.InvalidOpcodeHook (boot/hooks.go installs it).
func InvalidOpcode(f *amd64.TrapFrame) bool {
	if !features.AVX {
		return false // not an AVX CPU: an ordinary invalid opcode
	}
	if _, ok := vexAt(uintptr(f.RIP)); !ok {
		return false
	}
	xcr0 := XCR0()
	if xcr0&xcr0Bracket == xcr0Bracket {
		return false // YMM was enabled: the #UD has another cause
	}
	if injectAVXReport(f, xcr0) {
		return true
	}
	kernel.ReportBug(kernel.BugAVX, "VEX/EVEX-encoded instruction with YMM off in XCR0")
	kernel.Pr(kernel.KERN_ERR).S("  RIP ").X16(f.RIP).S(", XCR0 ").X(xcr0).
		S(": not in a goroutine that can take the report, so the instruction is not decoded").Emit()
	return false // the oops that follows shows the bytes and ends the machine
}

// vexAt returns the byte after any prefixes at pc and whether it starts a
// VEX (C4, C5) or EVEX (62) instruction. In 64-bit mode these bytes
// always are VEX/EVEX: LES, LDS and BOUND do not exist there (SDM Vol.
// 2A, 2.3.1 and 2.6.1). Only segment and address-size prefixes may
// precede them; 66, F2, F3, F0 or REX before a VEX prefix is itself the
// cause of a #UD (SDM Vol. 2A, 2.3.2), not an XCR0 matter.
func vexAt(pc uintptr) (byte, bool) {
	for i := uintptr(0); i < 15; i++ {
		b, ok := kernel.PeekByte(pc + i)
		if !ok {
			return 0, false
		}
		switch b {
		case 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x67:
			continue
		case 0xc4, 0xc5, 0x62:
			return b, true
		}
		return b, false
	}
	return 0, false
}
