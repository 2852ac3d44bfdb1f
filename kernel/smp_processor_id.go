package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/percpu"
)

// smp_processor_id(), get_cpu() and the per-CPU variable brackets.
//
// The CPU number is percpu.RawSmpProcessorID(), one GS-relative load. It
// is only meaningful while the caller cannot migrate; SmpProcessorID
// adds the check Linux's CONFIG_DEBUG_PREEMPT makes, and GetCPU and
// GetCPUVar are the brackets that make the number and this CPU's
// instance of a variable stable (seed text 002, rule 1).

// SmpProcessorID returns the number of the CPU the caller runs on. The
// answer is only meaningful while the caller cannot migrate: with
// preemption or interrupts disabled, or in a task bound to one CPU.
// Called from preemptible code it is reported, as Linux's DEBUG_PREEMPT
// does ("using smp_processor_id() in preemptible code"), because by the
// time the caller uses the number it may run somewhere else.
// percpu.RawSmpProcessorID is the same without the check.
func SmpProcessorID() int {
	cpu := percpu.RawSmpProcessorID()
	if PreemptCount() == 0 && amd64.InterruptsEnabled() && !BoundToOneCPU(Current()) {
		ReportBug(BugSmpProcessorID, "the caller may migrate: use get_cpu()/put_cpu()")
	}
	return cpu
}

// GetCPU disables preemption and returns the CPU number; it stays valid
// until PutCPU (get_cpu).
// Part of the API taught; the kernel itself uses get_cpu_var, tests and the benchmarks use this.
func GetCPU() int {
	PreemptDisable()
	return percpu.RawSmpProcessorID()
}

// PutCPU ends a GetCPU section (put_cpu).
// See GetCPU.
func PutCPU() { PreemptEnable() }

// GetCPUVar disables preemption and returns this CPU's instance of v
// (get_cpu_var). Until PutCPUVar the task cannot be preempted, so it
// cannot be moved to another CPU, and no other task on this CPU can run
// and touch the same instance.
func GetCPUVar[T any](v percpu.Var[T]) *T {
	PreemptDisable()
	return percpu.PerCPU(v, percpu.RawSmpProcessorID())
}

// PutCPUVar ends a GetCPUVar section (put_cpu_var).
func PutCPUVar[T any](v percpu.Var[T]) { PreemptEnable() }
