package amd64

import (
	"unsafe"

	"gopreempt/internal/addr"
)

// The Go side of the entry code. trap and forkTail are called from
// entry_amd64.s on the task's kernel stack, in kernel context, and hand
// over to the kernel through hooks that boot/hooks.go sets once, before
// the first interrupt is enabled (arch cannot import kernel).

// TrapHook handles every interrupt, exception and system call. It runs in
// interrupt context: it must not allocate, write heap pointers or block,
// except that a system call may sleep through the scheduler.
var TrapHook func(f *TrapFrame)

// SyscallEntryHook handles a system call: syscallEntry calls it directly
// (kernel.DoSyscall64, Linux's do_syscall_64), in SYSCALL context with
// interrupts off; it returns with them off. Interrupts and exceptions go
// through TrapHook.
var SyscallEntryHook func(f *TrapFrame)

// ForkTailHook runs first in every new task (see forkReturn).
var ForkTailHook func()

//lint:ignore U1000 called from entry_amd64.s (trapCommon)
func trap(f *TrapFrame) { TrapHook(f) }

//lint:ignore U1000 called from entry_amd64.s (forkReturn)
func forkTail() { ForkTailHook() }

// forkReturnAddr returns the address of forkReturn, the first return
// address of every new task.
func forkReturnAddr() uintptr

// syscallEntryAddr returns the address of syscallEntry, for IA32_LSTAR.
func syscallEntryAddr() uintptr

// TopFrame is the frame at the top of a kernel stack whose top is hi:
// where the system-call and interrupt entries from task context build it
// (16-byte aligned, as FXRSTOR needs), and where NewTaskStack puts a new
// task's first. Any context.
func TopFrame(hi uintptr) *TrapFrame {
	return (*TrapFrame)(addr.Ptr(hi&^15 - TrapFrameSize))
}

// NewTaskStack prepares a kernel stack [lo, hi) so that the first SwitchTo
// to it "returns" into forkReturn, which unwinds the returned TrapFrame
// (zeroed, to be filled by the caller) into the task's first instruction.
// It returns the frame and the initial KSP.
func NewTaskStack(hi uintptr) (f *TrapFrame, ksp uintptr) {
	f = TopFrame(hi)
	fp := uintptr(unsafe.Pointer(f))
	b := (*[TrapFrameSize / 8]uint64)(addr.Ptr(fp))
	for i := range b {
		b[i] = 0
	}
	// Below the frame: forkReturn's address, then the BP that SwitchTo pops.
	ksp = fp - 16
	*(*uintptr)(addr.Ptr(ksp + 8)) = forkReturnAddr()
	*(*uintptr)(addr.Ptr(ksp)) = 0
	return f, ksp
}
