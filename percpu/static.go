package percpu

// Static per-CPU variables.
//
// The kernel's per-CPU state (run queues, timer bases, ...) is in use
// before the Go runtime runs package initialisers: the runtime's first
// clone() already queues a task. So its variables cannot be handed out by
// Define at run time; their offsets are fixed when the kernel is
// compiled, which is what Linux's linker does with the .data..percpu
// section. A package with per-CPU state describes it as one struct, its
// per-CPU block, and each field is a variable, a constant:
//
//	type kernelPerCPU struct{ runqueue RunQueue; ... }
//	const runqueues = percpu.Var[RunQueue](perCPUBase + unsafe.Offsetof(kernelPerCPU{}.runqueue))
//
// The blocks lie one after another in the order the packages import each
// other: the lowest begins at StaticStart, and each exports where it
// ends (PerCPUEnd), where the one above begins. A compile-time check in
// each keeps it below DynamicStart, where Define's variables begin. No
// registration happens at run time: no table, no lock, no reflection.

const (
	// StaticStart is where the first per-CPU block begins, after the
	// CPULocal block.
	StaticStart = varsStart
	// DynamicStart is where Define's variables begin; the static
	// blocks end below it.
	DynamicStart = 8 << 10
)
