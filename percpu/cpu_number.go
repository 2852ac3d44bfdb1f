package percpu

import (
	"unsafe"

	"gopreempt/arch/amd64"
)

// raw_smp_processor_id.
//
// The CPU number is a per-CPU value like any other: each CPU's
// amd64.CPULocal block holds its own in ID, at GS:24, written once by
// boot before the CPU runs a task. Reading it is one GS-relative load
// (cpu_number_amd64.s).
//
// The answer is only stable while the caller cannot migrate. The checked
// form, smp_processor_id(), which reports a caller that could, needs the
// preemption count and so lives in the kernel (kernel.SmpProcessorID),
// with get_cpu()/put_cpu(). This package is below the kernel, so that
// the kernel can keep its own per-CPU state in per-CPU variables.

// RawSmpProcessorID returns the number of the CPU the caller runs on,
// without the check (raw_smp_processor_id): for code that knows a stale
// answer is harmless (statistics, a tracer's choice of ring), or has
// made sure the task cannot migrate (interrupts or preemption off, or a
// task bound to one CPU). Any context.
func RawSmpProcessorID() int

// cpuNumberOffset is where the CPU number sits in the CPULocal block,
// for the assembly.
//
//lint:ignore U1000 read by cpu_number_amd64.s
const cpuNumberOffset = unsafe.Offsetof(amd64.CPULocal{}.ID)
