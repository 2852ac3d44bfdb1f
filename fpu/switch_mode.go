package fpu

import (
	"errors"

	"gopreempt/arch/amd64"
	"gopreempt/kernel"
	"gopreempt/percpu"
)

// Which instruction pair SwitchTo uses for the x87/SSE state.
//
// All three save the same two components (x87 and SSE), so the choice
// is about cost, not about what is preserved. FXSAVE writes the 512-byte
// legacy image. XSAVE writes the same image plus the 64-byte XSAVE
// header. XSAVEOPT may skip a component that is in its initial
// configuration (init optimization) or that has not been modified since
// the XRSTOR that loaded it from the same address (modified
// optimization), SDM Vol. 1, 13.6 and 13.9. The modified optimization
// is sound here because a task's area is written only by that task's
// saves: if a CPU last ran XRSTOR from task A's area, A is running there
// and its area is unchanged since.
//
// FXSAVE is the default: the switched state is exactly what FXSAVE
// covers, it needs no CR4.OSXSAVE on an AP that has not run InitCPU yet,
// and under TCG the three measured the same within noise (docs/fpu.md,
// where the numbers are; hardware may differ). The benchmarks
// change the mode at run time; the tag byte in each area keeps that safe
// (arch/amd64/xsave.go).

// Mode is a save format.
type Mode uint32

const (
	ModeFXSAVE   Mode = amd64.FPUModeFXSAVE
	ModeXSAVE    Mode = amd64.FPUModeXSAVE
	ModeXSAVEOPT Mode = amd64.FPUModeXSAVEOPT
)

func (m Mode) String() string {
	switch m {
	case ModeFXSAVE:
		return "FXSAVE"
	case ModeXSAVE:
		return "XSAVE"
	case ModeXSAVEOPT:
		return "XSAVEOPT"
	}
	return "unknown"
}

var (
	errUnsupported = errors.New("fpu: the CPU does not have this save instruction")
	errCPUNotReady = errors.New("fpu: an online CPU has not run fpu.InitCPU (CR4.OSXSAVE off)")
)

// Supported reports whether the CPU has the instructions of mode m.
func (m Mode) Supported() bool {
	switch m {
	case ModeFXSAVE:
		return features.FXSR
	case ModeXSAVE:
		return features.XSAVE
	case ModeXSAVEOPT:
		return features.XSAVE && features.XSAVEOPT
	}
	return false
}

// SwitchMode returns the mode SwitchTo uses now.
func SwitchMode() Mode { return Mode(amd64.FPUSwitchMode()) }

// SetSwitchMode makes every later context switch use mode m. For the
// tests and benchmarks, which compare the modes.
func SetSwitchMode(m Mode) error {
	if !m.Supported() {
		return errUnsupported
	}
	if m != ModeFXSAVE {
		for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
			if !percpu.PerCPU(bracketState, cpu).ready {
				return errCPUNotReady
			}
		}
	}
	amd64.SetFPUSwitchMode(uint32(m))
	return nil
}
