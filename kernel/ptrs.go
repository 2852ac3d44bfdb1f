package kernel

import (
	"unsafe"

	"gopreempt/internal/addr"
)

func ptrOf(a uintptr) unsafe.Pointer { return addr.Ptr(a) }
