package boot

import (
	"gopreempt/arch/amd64"
	"gopreempt/fpu"
	"gopreempt/kernel"
	"gopreempt/linux"
	"gopreempt/mm"
	"gopreempt/trace"
	"gopreempt/vdso"
)

// installHooks connects the layers where Go's import rules leave no
// direct call: a package cannot call up into one that imports it. Every
// other call between layers is a direct call. This is the one place such
// a function variable is set; each line says why it must be one. start
// calls it once the boot CPU's idle task exists and before any interrupt
// can arrive; no line depends on another, and each target copes with
// being called before the rest of boot has run.
func installHooks() {
	// arch cannot import kernel: every entry's Go side, and a new
	// task's first Go code, call up through these.
	amd64.TrapHook = kernel.HandleTrap
	amd64.SyscallEntryHook = kernel.DoSyscall64
	amd64.ForkTailHook = kernel.ForkTail
	// linux imports kernel: the system-call table is above it.
	kernel.SyscallHook = linux.Dispatch
	// fpu imports kernel: it recognises AVX outside kernel_fpu_begin/end.
	kernel.InvalidOpcodeHook = fpu.InvalidOpcode
	// vdso imports kernel: its data page copies the clock's parameters.
	kernel.UpdateVsyscall = vdso.UpdateVsyscall
	// kernel imports mm: the shootdown needs preempt_disable and the
	// online CPUs, and panic= decides how a fatal mm error ends.
	mm.TLBShootdown = kernel.FlushTLBAll
	mm.Fatal = kernel.KernelPanic
	// kernel imports trace: the trace's header (CPUs, TSC rate, task
	// names) and the latency tracers' pid come from the kernel.
	trace.Setup(kernel.OnlineCPUs, kernel.TSCFrequency, kernel.TraceTaskNames)
	trace.SetCurrentPid(kernel.TracePid)
}
