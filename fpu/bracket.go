package fpu

import (
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/kernel"
	"gopreempt/percpu"
	"gopreempt/trace"
)

// kernel_fpu_begin() and kernel_fpu_end().
//
// The YMM upper halves are not part of any task's switched context, so
// code that uses them must not lose the CPU until it is done with them:
// another task's bracket would overwrite them, and the switch would not
// bring them back (seed text 002, rule 2). KernelFPUBegin therefore
// disables preemption, and KernelFPUEnd enables it again, which is also
// where a preemption that came due inside the bracket happens.
//
// Interrupts stay on inside a bracket. An interrupt handler's own Go code
// uses only legacy-encoded SSE instructions (the runtime decided against
// AVX, see init.go), which leave bits 255:128 of the YMM registers
// unmodified (Intel AVX Programming Reference, 319433, 4.1.9 "AVX
// Instructions and the Upper 128-bits of YMM registers"), and the entry code's FXSAVE/FXRSTOR puts
// back the lower halves it does touch. The one thing a handler must not
// do is open a bracket of its own over the interrupted one: that is
// IrqFPUUsable.
//
// Between the brackets the extended state is left clean: KernelFPUEnd
// executes VZEROALL before it takes YMM out of XCR0, so no data of the
// bracketed computation lingers in any vector register, and the AVX state
// is in its initial configuration when XCR0[2] is cleared (clearing it
// otherwise preserves the state but may slow SSE code, SDM Vol. 1, 13.3).
//
// The bracket is tracked per CPU rather than per task: with preemption
// off the task cannot leave the CPU, so "this CPU is inside a bracket"
// and "the running task is" are the same thing, and a per-CPU record
// needs no field in the task struct. It also sees a bracket opened by
// the task an interrupt handler interrupted, which is what IrqFPUUsable
// must know.

// cpuFPU is one CPU's bracket state, written only by that CPU: a
// per-CPU variable, bracketState, in fpu's per-CPU block (percpu.go).
type cpuFPU struct {
	depth int32   // open brackets (more than 1 only after a reported misuse)
	ctx   uint32  // preempt_count at the outer begin: its hardirq|softirq bits are the bracket's context
	owner uintptr // task that opened the outer bracket
	ready bool    // InitCPU has run here: CR4.OSXSAVE and XCR0 set
	ymm   bool    // ready, and brackets switch XCR0 (bracketYMM): the assembly's plain case
}

// thisCPU returns the calling CPU's record, GS-relative. Stable only
// while the caller cannot migrate (preemption or interrupts off).
//
//go:nosplit
func thisCPU() *cpuFPU { return percpu.ThisCPUPtr(bracketState) }

func currentTask() uintptr { return uintptr(unsafe.Pointer(kernel.Current())) }

func irqContext() uint32 { return irqContextOf(kernel.Current()) }

// irqContextOf is irqContext for a caller that has the current task.
func irqContextOf(t *kernel.Task) uint32 {
	return t.ThreadInfo.PreemptCount & (kernel.HARDIRQ_MASK | kernel.SOFTIRQ_MASK)
}

// KernelFPUBegin opens a bracket: preemption is disabled and, when the
// CPU has AVX, XCR0 gains the YMM component, so AVX and AVX2 instructions
// may run until KernelFPUEnd. Brackets do not nest; opening one where
// IrqFPUUsable is false is reported (BugFPU) and counted as nesting.
//
// The fast path is assembly (bracket_amd64.s): preempt_disable(), this
// CPU's record found through GS, the checks, the record written, XSETBV.
// A bracket that is not the plain case (one already open, a CPU not set
// up, the FPU class traced) leaves for kernelFPUBeginSlow.
//
// The bracket is marked first, before its owner is recorded and before
// XCR0 changes. An interrupt handler may open and close a bracket of
// its own at any point up to that store (IrqFPUUsable is still true):
// its KernelFPUEnd resets owner and depth and takes YMM out of XCR0. Had
// we written the owner already, the handler's end would erase it and our
// own end would be reported as unmatched. From the store on,
// IrqFPUUsable is false and handlers keep out. Assembly keeps its
// stores in program order, which is all an interrupt on this CPU sees.
//
// Any context; no allocation.
func KernelFPUBegin()

// kernelFPUBeginSlow is KernelFPUBegin after its preempt_disable(), in
// Go, for every case but the plain one.
//
//lint:ignore U1000 called from bracket_amd64.s (KernelFPUBegin)
func kernelFPUBeginSlow() {
	t := kernel.Current() // one look-up: with preemption off it stays ours
	c := thisCPU()
	if c.depth != 0 {
		badBegin(c)
		c.depth++
		return
	}
	if !c.ready {
		enableXSAVE(c) // an AP that was brought up without InitCPU
	}
	c.depth = 1
	amd64.CompilerBarrier() // the store above must come first: a compiler may reorder two plain stores
	c.owner = uintptr(unsafe.Pointer(t))
	c.ctx = t.ThreadInfo.PreemptCount
	if bracketYMM {
		amd64.Xsetbv(0, xcr0Bracket)
	}
	trace.FPUBegin(t.Pid)
}

// KernelFPUEnd closes the bracket KernelFPUBegin opened: the vector
// registers are zeroed, XCR0 loses YMM again and preemption is enabled.
// Without a matching KernelFPUBegin in this context it is reported
// (BugFPU) and does nothing. The fast path is assembly, as
// KernelFPUBegin's; an end that does not match the plain begin, or with
// the FPU class traced, leaves for kernelFPUEndSlow.
//
// Any context; no allocation.
func KernelFPUEnd()

// kernelFPUEndSlow is KernelFPUEnd in Go, for every case but the plain
// one.
//
//lint:ignore U1000 called from bracket_amd64.s (KernelFPUEnd)
func kernelFPUEndSlow() {
	t := kernel.Current()
	c := thisCPU()
	if c.depth == 0 || c.owner != uintptr(unsafe.Pointer(t)) || (c.depth == 1 && c.ctx&irqContextMask != irqContextOf(t)) {
		kernel.ReportBug(kernel.BugFPU, "kernel_fpu_end() without kernel_fpu_begin()")
		return
	}
	if c.depth > 1 { // the inner half of a reported nesting
		c.depth--
		kernel.PreemptEnable()
		return
	}
	if bracketYMM {
		amd64.Vzeroall()
		amd64.Xsetbv(0, xcr0Kernel)
	}
	// depth last, after XCR0 is back (see KernelFPUBegin): the
	// assembly calls above keep the compiler from moving it earlier. No
	// barrier is needed between the two stores: a handler's bracket
	// between them would leave owner 0 as well.
	c.owner = 0
	c.depth = 0
	trace.FPUEnd(t.Pid)
	kernel.PreemptEnable()
}

// traceFPUBegin is the FPU class's event for a bracket the assembly
// opened.
//
//lint:ignore U1000 called from bracket_amd64.s (KernelFPUBegin)
func traceFPUBegin() { trace.FPUBegin(kernel.Current().Pid) }

// Constants the assembly reads from go_asm.h: GS-relative addresses of
// this CPU's record, and offsets in the task.
const (
	cpuCurrent       = unsafe.Offsetof(amd64.CPULocal{}.Current) // GS:8
	bracketDepth     = uintptr(bracketState) + unsafe.Offsetof(cpuFPU{}.depth)
	bracketCtx       = uintptr(bracketState) + unsafe.Offsetof(cpuFPU{}.ctx)
	bracketOwner     = uintptr(bracketState) + unsafe.Offsetof(cpuFPU{}.owner)
	bracketYMMOn     = uintptr(bracketState) + unsafe.Offsetof(cpuFPU{}.ymm)
	taskPreemptCount = unsafe.Offsetof(kernel.Task{}.ThreadInfo) + unsafe.Offsetof(kernel.ThreadInfo{}.PreemptCount) // in *kernel.Task
	irqContextMask   = kernel.HARDIRQ_MASK | kernel.SOFTIRQ_MASK
	traceFPU         = uint32(trace.FPU)
)

// IrqFPUUsable reports whether KernelFPUBegin may be called here: false
// on a CPU that is already inside a bracket, which for an interrupt
// handler means that the code it interrupted holds live YMM state the
// handler would destroy (irq_fpu_usable()). Code that may run in
// interrupt context checks it and falls back to a non-SIMD path.
// Tests use it; so may a handler that wants the FPU (irq_fpu_usable).
func IrqFPUUsable() bool { return thisCPU().depth == 0 }

// InBracket reports whether the calling CPU is inside a bracket.
// For tests and debug checks outside this package.
func InBracket() bool { return thisCPU().depth != 0 }

// badBegin reports a KernelFPUBegin where IrqFPUUsable is false, saying
// which of the three ways it happened.
func badBegin(c *cpuFPU) {
	switch {
	case irqContext() != c.ctx&irqContextMask:
		kernel.ReportBug(kernel.BugFPU, "kernel_fpu_begin() in an interrupt handler that interrupted a bracket (irq_fpu_usable() is false)")
	case c.owner == currentTask():
		kernel.ReportBug(kernel.BugFPU, "nested kernel_fpu_begin()")
	default:
		kernel.ReportBug(kernel.BugFPU, "kernel_fpu_begin() while another task's bracket is open on this CPU (it slept inside it)")
	}
}
