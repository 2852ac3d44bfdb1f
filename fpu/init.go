package fpu

import (
	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// Enabling the XSAVE feature set with AVX switched off.
//
// XCR0 says which state components the operating system manages; an
// instruction that needs a component whose XCR0 bit is clear raises #UD.
// For VEX-encoded instructions that is "CR4.OSXSAVE = 0 or XCR0[2:1] !=
// 11b" (SDM Vol. 2A, 2.8, exception classes; Vol. 1, 13.3). So the kernel
// sets CR4.OSXSAVE, which it needs for XSETBV and XSAVE, and keeps XCR0
// at x87|SSE except inside a bracket. The YMM bit is set only there.
//
// The Go runtime reads the same setting once, when it starts: its
// internal/cpu sets HasAVX (and HasAVX2, HasFMA) only if CPUID.1:ECX
// has OSXSAVE and XGETBV(0) has both bits 1 and 2 (cpu_x86.go, "Check if
// XMM and YMM registers have OS support"). BootInit runs before the
// runtime starts, so the runtime sees XCR0 = 3, concludes there is no
// AVX, and its memmove, memclr, IndexByte, Compare and async-preemption
// code keep to SSE for good. A later XSETBV inside a bracket does not
// change its mind: it never asks again.

const (
	xcr0Kernel  = amd64.XCR0X87 | amd64.XCR0SSE // outside brackets
	xcr0Bracket = xcr0Kernel | amd64.XCR0YMM    // inside a bracket
)

// BootInit detects the FPU features and sets up the boot CPU. boot calls
// it before the Go runtime starts: it must not allocate.
func BootInit() {
	Detect()
	InitCPU()
	bootBanner()
}

// InitCPU sets up the calling CPU: initial x87/SSE control state,
// CR4.OSXSAVE and XCR0 = x87|SSE. Every CPU must run it before it first
// switches tasks with XSAVE* (AP bring-up); KernelFPUBegin does the
// XSAVE half of it on a CPU that has not, since XSETBV would raise #UD
// there. Interrupts off or preemption disabled; no allocation.
func InitCPU() {
	amd64.FPUInitRegs()
	enableXSAVE(thisCPU())
}

// enableXSAVE sets CR4.OSXSAVE and XCR0 = x87|SSE on this CPU. Unlike
// InitCPU it leaves the x87/SSE registers alone, so KernelFPUBegin can
// use it in the middle of a task.
func enableXSAVE(c *cpuFPU) {
	if features.XSAVE {
		amd64.WriteCR4(amd64.ReadCR4() | amd64.CR4OSXSAVE)
		amd64.Xsetbv(0, xcr0Kernel)
	}
	c.ready = true
	c.ymm = bracketYMM
}

// XCR0 returns this CPU's XCR0, or 0 when CR4.OSXSAVE is off (XGETBV
// would raise #UD then).
func XCR0() uint64 {
	if amd64.ReadCR4()&amd64.CR4OSXSAVE == 0 {
		return 0
	}
	return amd64.Xgetbv(0)
}

func bootBanner() {
	f := &features
	m := kernel.Pr(kernel.KERN_INFO).S("fpu:")
	m = flag(m, f.FXSR, " fxsr")
	m = flag(m, f.XSAVE, " xsave")
	m = flag(m, f.XSAVEOPT, " xsaveopt")
	m = flag(m, f.AVX, " avx")
	m = flag(m, f.AVX2, " avx2")
	m.S("; XCR0 supported ").X(f.XCR0Supported).S(", ").X(XCR0()).S(" outside kernel_fpu_begin/end; switch with ").
		S(SwitchMode().String()).Emit()
}

func flag(m kernel.Msg, on bool, name string) kernel.Msg {
	if on {
		return m.S(name)
	}
	return m
}
