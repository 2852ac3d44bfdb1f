package acpi

import (
	"unsafe"

	"gopreempt/internal/addr"
)

// identityLimit is the end of the identity map the boot code builds
// (boot/entry_amd64.s: the first 4 GiB). Firmware keeps the ACPI tables
// below it.
const identityLimit = 4 << 30

// Identity reads physical memory through the kernel's identity map. It is
// the Phys to use inside the kernel; on a host it would fault.
func Identity(pa uint64, n int) []byte {
	if n <= 0 || pa >= identityLimit || uint64(n) > identityLimit-pa {
		return nil
	}
	return unsafe.Slice((*byte)(addr.Ptr(uintptr(pa))), n)
}
