package fpu

import (
	"unsafe"

	"gopreempt/kernel"
	"gopreempt/percpu"
)

// fpu's per-CPU block (percpu/static.go): the bracket state of each CPU.
// It begins where the kernel's ends, on a cache line of its own.
type fpuPerCPU struct {
	bracket cpuFPU // bracket.go
}

const perCPUBase = (kernel.PerCPUEnd + 63) &^ 63

// bracketState is each CPU's bracket record.
const bracketState = percpu.Var[cpuFPU](perCPUBase + unsafe.Offsetof(fpuPerCPU{}.bracket))

// PerCPUEnd is where fpu's per-CPU block ends.
const PerCPUEnd = perCPUBase + unsafe.Sizeof(fpuPerCPU{})

// The block ends below the variables percpu.Define hands out.
var _ [percpu.DynamicStart - PerCPUEnd]byte
