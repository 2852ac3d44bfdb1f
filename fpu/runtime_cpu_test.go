package fpu_test

import (
	_ "unsafe" // for go:linkname

	"gopreempt/arch/amd64"
)

// goCPU mirrors the head of the Go 1.26 runtime's internal/cpu.X86
// (internal/cpu/cpu.go): a 64-byte pad on amd64, then the feature
// booleans in this order. runtimeHasAVX checks the mirror against CPUID
// through HasAES before it believes HasAVX.
type goCPU struct {
	_          [64]byte
	HasAES     bool
	HasADX     bool
	HasAVX     bool
	HasAVXVNNI bool
	HasAVX2    bool
}

//go:linkname goX86 internal/cpu.X86
var goX86 goCPU

// runtimeHasAVX returns what the Go runtime concluded at start-up about
// AVX (HasAVX or HasAVX2). It panics if the mirror does not match.
func runtimeHasAVX() bool {
	_, _, c, _ := amd64.Cpuid(1, 0)
	if goX86.HasAES != (c&(1<<25) != 0) {
		panic("internal/cpu.X86 layout differs from the mirror in runtime_cpu_test.go")
	}
	return goX86.HasAVX || goX86.HasAVX2
}
