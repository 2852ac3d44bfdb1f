package linux

import (
	"unsafe"

	"gopreempt/kernel"
)

// storeTask writes a task pointer into kernel memory without a write
// barrier: the slot is written as an integer. Tasks live outside the Go
// heap, so the collector has no interest in these pointers, and code in
// kernel context must not execute write barriers (they need a P).
func storeTask(slot **kernel.Task, t *kernel.Task) {
	*(*uintptr)(unsafe.Pointer(slot)) = uintptr(unsafe.Pointer(t))
}
