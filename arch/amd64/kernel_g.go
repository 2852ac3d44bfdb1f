package amd64

import "unsafe"

// Kernel context and the Go ABI.
//
// Compiled Go code finds its goroutine in R14, and every entry from
// assembly into Go goes through a wrapper that loads R14 from the
// thread-local slot at -8(FS) and zeroes X15 (cmd/compile/abi-internal.md).
// The prologue of almost every Go function then compares SP with
// g.stackguard0 and calls runtime.morestack when SP is below it.
//
// Kernel code (boot, interrupt, exception and SYSCALL handlers) runs on a
// kernel stack that the Go runtime knows nothing about, while the runtime
// may be in any state. So while in kernel context the CPU's FS base points
// into a KernelContext, whose TLS slot names a stand-in g: its stack bounds
// are the kernel stack, its stackguard0 is the kernel stack's low end plus
// a guard, and the runtime never sees it (it is in no list of the
// runtime's), so the runtime never writes stackPreempt into it either.
// The entry code switches FS on the way in and restores the interrupted
// FS base on the way out.
//
// Only the fields that compiled code and the stack-growth path read are
// given meaning: g.stack, g.stackguard0/1 and g.m (whose g0 is the same
// stand-in, so an overflow reaches "morestack on g0" and aborts, which the
// exception handler reports). Everything else stays zero. Code running on
// a kernel g must not allocate, must not write heap pointers (a write
// barrier reads g.m.p, which is nil here) and must not call into the
// runtime's scheduler.

// StackGuard is how far above the kernel stack's low end the stand-in g's
// stack guard sits: room for the runtime's nosplit chains (the linker
// limits them to about 800 bytes) plus an exception frame.
const StackGuard = 4096

// The layout of runtime.g and runtime.m (Go 1.26, runtime/runtime2.go)
// that code outside the runtime relies on, written here once: the stand-in
// g below, and kernel/task_report.go, which reads a goroutine's stack
// bounds and m from its g. TestRuntimeGLayout checks these offsets, and
// that the stand-ins are at least as large, against the runtime of the Go
// that builds the kernel: a Go upgrade that moves a field fails it.
const (
	GStackLo     = 0     // g.stack.lo
	GStackHi     = 8     // g.stack.hi
	GStackguard0 = 16    // g.stackguard0: the compiler's stack check reads 16(R14); named for the tests
	GStackguard1 = 24    // g.stackguard1: likewise
	GM           = 48    // g.m: morestack reads it to find g0
	MG0          = 0     // m.g0
	MLocks       = 0x108 // m.locks (int32): runtime.procPin raises it; so does preempt_disable() (kernel/preempt_amd64.s)
)

// kernelG mirrors the head of runtime.g: stack, stackguard0, stackguard1,
// _panic, _defer, m. The tail pads the struct past the size of runtime.g
// so that stray reads stay inside it.
type kernelG struct {
	stackLo, stackHi uintptr
	stackguard0      uintptr
	stackguard1      uintptr
	panic_, defer_   uintptr
	m                uintptr
	_                [121]uintptr
}

// kernelM mirrors runtime.m where the kernel reads or writes it: g0
// first, and locks, the count runtime.procPin raises (Go's own
// preempt_disable: while it is non-zero the runtime neither preempts the
// goroutine nor moves it to another M). A kernel g's m has the field
// too, so that preempt_disable() in kernel context raises a count of
// its own that nothing reads (kernel/preempt_amd64.s).
type kernelM struct {
	g0    uintptr
	_     [32]uintptr
	locks int32
	_     int32
	_     [222]uintptr
}

// KernelContext is one task's kernel-mode Go identity. It must live
// outside the Go heap (in a task's own pages) and never move.
type KernelContext struct {
	tlsG uintptr // -8(FS) while in kernel context: &g
	g    kernelG
	m    kernelM
}

// Init gives the context a kernel stack [lo, hi).
func (c *KernelContext) Init(lo, hi uintptr) {
	c.g.stackLo = lo
	c.g.stackHi = hi
	c.g.stackguard0 = lo + StackGuard
	c.g.stackguard1 = lo + StackGuard
	c.g.m = uintptr(unsafe.Pointer(&c.m))
	c.m.g0 = uintptr(unsafe.Pointer(&c.g))
	c.tlsG = uintptr(unsafe.Pointer(&c.g))
}

// FSBase is the value FS base holds while this context runs: the address
// just past the TLS slot, because the linux/amd64 runtime reads g at -8(FS).
func (c *KernelContext) FSBase() uintptr {
	return uintptr(unsafe.Pointer(&c.tlsG)) + 8
}
