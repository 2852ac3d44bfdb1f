package percpu

import (
	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// SmpProcessorID returns the number of the CPU the caller runs on. The
// answer is only meaningful while the caller cannot migrate: with
// preemption or interrupts disabled, or in a task bound to one CPU.
// Called from preemptible code it is reported, as Linux's DEBUG_PREEMPT
// does ("using smp_processor_id() in preemptible code"), because by the
// time the caller uses the number it may run somewhere else (seed text
// 002, rule 1).
func SmpProcessorID() int {
	cpu := RawSmpProcessorID()
	if kernel.PreemptCount() == 0 && amd64.InterruptsEnabled() && !kernel.BoundToOneCPU(kernel.Current()) {
		kernel.ReportBug(kernel.BugSmpProcessorID, "the caller may migrate: use get_cpu()/put_cpu()")
	}
	return cpu
}

// RawSmpProcessorID returns the CPU number without the check, for code
// that knows a stale answer is harmless (statistics) or has made sure
// the task cannot migrate.
func RawSmpProcessorID() int { return int(amd64.ThisCPU().ID) }

// GetCPU disables preemption and returns the CPU number; it stays valid
// until PutCPU (get_cpu).
func GetCPU() int {
	kernel.PreemptDisable()
	return RawSmpProcessorID()
}

// PutCPU ends a GetCPU section (put_cpu).
func PutCPU() { kernel.PreemptEnable() }
