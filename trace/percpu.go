package trace

import (
	"unsafe"

	"gopreempt/percpu"
)

// The tracer's per-CPU block (percpu/static.go), the lowest: the kernel's
// begins where it ends. Each CPU's ring and latency-tracer state.
type tracePerCPU struct {
	ring ring   // ring.go
	lat  latCPU // latency.go
}

const perCPUBase = percpu.StaticStart

// The tracer's per-CPU variables.
const (
	rings   = percpu.Var[ring](perCPUBase + unsafe.Offsetof(tracePerCPU{}.ring))
	latCPUs = percpu.Var[latCPU](perCPUBase + unsafe.Offsetof(tracePerCPU{}.lat))
)

// PerCPUEnd is where the tracer's per-CPU block ends.
const PerCPUEnd = perCPUBase + unsafe.Sizeof(tracePerCPU{})

// The block ends below the variables percpu.Define hands out.
var _ [percpu.DynamicStart - PerCPUEnd]byte
