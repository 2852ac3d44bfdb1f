package amd64

import "unsafe"

// Pinning a goroutine to its task. Kernel code that runs in task context
// (Go code on a goroutine, called from the program) is at the Go
// scheduler's mercy: at any function call the runtime may park the
// goroutine's thread, and a thread is a task here. Code that holds this
// CPU (a raw lock, interrupts off, preempt_disable()) must keep its
// goroutine on its thread until it lets go, which is what the runtime's
// procPin does: it raises the M's lock count, which keeps the goroutine
// on its M and stops the runtime from preempting it.
//
// Whether there is a goroutine to pin is a question about the CPU and the
// task, so it is answered here: the code runs on a goroutine exactly when
// its stack is in the runtime's address range (UserBase..UserTop). Every
// stack the runtime runs on, m0's initial stack included, is memory it
// mapped there; no kernel stack, IST stack or the boot stack is. On a
// kernel stack the g is the kernel's stand-in (kernel_g.go), which has no
// P for procPin. Any context, from the first instruction: the test reads
// only the stack pointer.

// The range of addresses the Go runtime is given (mm/vma.go hands it
// out). The low bound keeps clear of the identity map; the high bound is
// Linux's usual user-space top.
const (
	UserBase = 1 << 32
	UserTop  = 0x7fff_ffff_f000
)

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// OnGoroutineStack reports whether the caller runs on a goroutine's
// stack rather than on a kernel stack.
//
//go:nosplit
func OnGoroutineStack() bool {
	var probe byte
	sp := uintptr(unsafe.Pointer(&probe))
	return sp-UserBase < UserTop-UserBase
}

// PinTask pins the calling goroutine to its thread and keeps the Go
// scheduler from stopping it, if the caller runs in task context, and
// reports whether it did; UnpinTask undoes a pin that PinTask reported.
func PinTask() bool {
	if !OnGoroutineStack() || CurrentTask() == nil {
		return false
	}
	procPin()
	return true
}

// UnpinTask undoes PinTask.
func UnpinTask() { procUnpin() }
