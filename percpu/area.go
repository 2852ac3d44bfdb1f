// Package percpu is per-CPU data: one instance of a variable for each CPU,
// reached without locks (seed text 001: "per-processor data").
//
// Each CPU has an area, and its GS base points at it (Linux does the same
// on x86-64). The area starts with the CPU's architectural block
// (amd64.CPULocal: current task, GDT, TSS, ...) and continues with the
// per-CPU variables. Every variable sits at the same offset in every
// area, so "this CPU's copy" is one GS-relative access at that offset,
// and "CPU n's copy" is area n plus the offset.
//
// No lock protects a per-CPU variable against other CPUs: none of them
// touches it. What can touch it is another task on the same CPU, if the
// task using it is preempted in the middle of a read-modify-write, or a
// task that resumes on another CPU after reading smp_processor_id(). So
// per-CPU data needs preemption disabled around its use (get_cpu_var /
// put_cpu_var), or single instructions that cannot be split
// (this_cpu_inc). The per-CPU counter demo shows the three cases.
//
// The package is below the kernel (it imports only arch), so that the
// kernel can keep its own per-CPU state here. The brackets that need the
// preemption count, get_cpu()/put_cpu(), get_cpu_var()/put_cpu_var()
// and the checked smp_processor_id(), are the kernel's
// (kernel/smp_processor_id.go).
package percpu

import (
	"unsafe"

	"gopreempt/arch/amd64"
)

// MaxCPUs is the most CPUs the kernel supports (NR_CPUS): one area each.
const MaxCPUs = 64

const (
	// AreaSize is the size of each CPU's area.
	AreaSize = 16 << 10
	// varsStart is where variables begin, after the CPULocal block.
	varsStart = 1024
)

// The areas are in the kernel image's BSS: outside the Go heap, never
// moved, and present before the Go runtime starts (boot uses area 0 for
// the boot CPU's GS base). Aligned to a page by the struct layout below.
var areas [MaxCPUs]struct {
	b [AreaSize]byte
}

// The CPULocal block must fit before the variables.
var _ [varsStart - unsafe.Sizeof(amd64.CPULocal{})]byte

// CPULocal returns CPU cpu's architectural block, at the start of its area.
func CPULocal(cpu int) *amd64.CPULocal {
	return (*amd64.CPULocal)(unsafe.Pointer(&areas[cpu].b[0]))
}
