package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/mm"
)

// What each entry into the kernel does (entry.go dispatches to it and
// owns the way back): the hook for system calls, and the CPU
// exceptions (device interrupts are irq.go's).
//
// Exception context: this file must not allocate, write heap pointers or
// grow its stack beyond the kernel stack. It runs with interrupts off.

// SyscallHook handles a system call: linux.Dispatch, which boot/hooks.go
// installs (linux imports kernel).
var SyscallHook func(f *amd64.TrapFrame)

// InvalidOpcodeHook, when set, looks at an invalid-opcode exception (#UD)
// first and returns true if it has dealt with it: fpu.InvalidOpcode, which
// boot/hooks.go installs (fpu imports kernel). It recognises AVX instructions outside kernel_fpu_begin/end, which raise
// #UD because XCR0 lacks YMM there; everything else remains an oops.
var InvalidOpcodeHook func(f *amd64.TrapFrame) bool

// handleException deals with CPU exceptions: a page fault on memory the
// runtime mapped is served (demand paging); an invalid opcode is offered
// to InvalidOpcodeHook; an exception in goroutine code becomes the signal
// Linux would send (signal_fault.go); everything else is an oops.
func handleException(f *amd64.TrapFrame) {
	switch f.Vector {
	case amd64.VecPageFault:
		cr2 := uintptr(amd64.ReadCR2())
		r := mm.HandleFault(cr2, f.ErrorCode)
		if r == mm.FaultHandled {
			return
		}
		if r == mm.FaultOOM {
			outOfMemory(f, cr2)
			return
		}
		if trapSignal(f, uint64(cr2), r) {
			return
		}
		oops(f, r.String())
	case amd64.VecNMI:
		countIRQ(amd64.VecNMI) // irq_stats.go
		// During a stall report an NMI is the report's own; one that
		// finds nothing to show is not printed about, since this CPU
		// may be holding the console lock it interrupted.
		if !showInterrupted(f) && !stallReporting() {
			Pr(KERN_WARNING).S("NMI received, ignored").Emit()
		}
	case amd64.VecInvalidOp:
		if InvalidOpcodeHook != nil && InvalidOpcodeHook(f) {
			return
		}
		if trapSignal(f, 0, 0) {
			return
		}
		oops(f, "")
	default:
		if trapSignal(f, 0, 0) {
			return
		}
		oops(f, "")
	}
}
