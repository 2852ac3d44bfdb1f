package amd64

// TaskContext is the part of a task that the entry code and the context
// switch read from assembly. The kernel's task struct embeds it as its
// first field, so a task pointer is also a *TaskContext. The offsets are
// fixed here and in entry_amd64.s (TC_*); offsets_test.go checks they agree.
type TaskContext struct {
	KSP      uintptr // saved kernel stack pointer while switched out
	KStackLo uintptr // kernel stack [KStackLo, KStackHi)
	KStackHi uintptr
	KernelFS uintptr // FS base while in kernel context (KernelContext.FSBase)
	FPU      uintptr // 64-byte aligned FXSAVE/XSAVE area, saved at every switch
}

// OnKernelStack reports whether sp lies on this task's kernel stack.
func (tc *TaskContext) OnKernelStack(sp uintptr) bool {
	return sp > tc.KStackLo && sp <= tc.KStackHi
}
