package kernel

import (
	"unsafe"

	"gopreempt/percpu"
	"gopreempt/trace"
)

// The kernel's per-CPU block (percpu/static.go).
//
// Each field is one per-CPU variable of the kernel's, at an offset fixed
// at compile time, in every CPU's area. This CPU's instance is
// percpu.ThisCPUPtr(v), a GS-relative address that needs no CPU number;
// another CPU's is percpu.PerCPU(v, cpu), so that reaching across CPUs
// is written out at the call site, as Linux's per_cpu_ptr. Data another
// CPU may touch keeps its own lock (a run queue's) or is atomic.
type kernelPerCPU struct {
	runqueue    RunQueue       // runqueue.go
	switchPrev  taskRef        // schedule.go
	hrtimerBase hrtimerCPUBase // hrtimer.go
	tickTimer   HRTimer        // tick_sched.go
	tickStopped tickStopState  // tick_sched.go
	nohzIdle    nohzIdle       // tick_sched.go
	nohzStats   NohzStats      // tick_sched.go
	stall       stallCPU       // stall.go
	irqStats    IRQStats       // irq_stats.go
}

// perCPUBase is where the block begins: after the tracer's, on a cache
// line of its own.
const perCPUBase = (trace.PerCPUEnd + 63) &^ 63

// The kernel's per-CPU variables.
const (
	runqueues       = percpu.Var[RunQueue](perCPUBase + unsafe.Offsetof(kernelPerCPU{}.runqueue))
	switchPrev      = percpu.Var[taskRef](perCPUBase + unsafe.Offsetof(kernelPerCPU{}.switchPrev))
	hrtimerBases    = percpu.Var[hrtimerCPUBase](perCPUBase + unsafe.Offsetof(kernelPerCPU{}.hrtimerBase))
	tickTimers      = percpu.Var[HRTimer](perCPUBase + unsafe.Offsetof(kernelPerCPU{}.tickTimer))
	tickStoppedCPUs = percpu.Var[tickStopState](perCPUBase + unsafe.Offsetof(kernelPerCPU{}.tickStopped))
	nohzIdles       = percpu.Var[nohzIdle](perCPUBase + unsafe.Offsetof(kernelPerCPU{}.nohzIdle))
	nohzStats       = percpu.Var[NohzStats](perCPUBase + unsafe.Offsetof(kernelPerCPU{}.nohzStats))
	stallCPUs       = percpu.Var[stallCPU](perCPUBase + unsafe.Offsetof(kernelPerCPU{}.stall))
	irqStatsCPUs    = percpu.Var[IRQStats](perCPUBase + unsafe.Offsetof(kernelPerCPU{}.irqStats))
)

// PerCPUEnd is where the kernel's per-CPU block ends, and the block of a
// package above it may begin.
const PerCPUEnd = perCPUBase + unsafe.Sizeof(kernelPerCPU{})

// The block ends below the variables Define hands out.
var _ [percpu.DynamicStart - PerCPUEnd]byte
