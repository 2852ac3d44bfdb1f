// Package addr converts addresses of memory that the kernel owns (page
// tables, task structs, kernel stacks, per-CPU areas: all outside the Go
// heap, never moved or collected) into pointers.
//
// Go's rules for unsafe.Pointer forbid turning an arbitrary uintptr into a
// pointer because the garbage collector may move or free what it names;
// that cannot happen to memory the collector does not manage. Keeping the
// conversion in one function makes every such use easy to find.
package addr

import "unsafe"

// Ptr returns a as a pointer. a must name kernel-owned memory.
func Ptr(a uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&a))
}
