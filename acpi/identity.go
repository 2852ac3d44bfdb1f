package acpi

import (
	"unsafe"

	"gopreempt/internal/addr"
	"gopreempt/mm"
)

// identityLimit is the end of the identity map the boot code builds
// (boot/entry_amd64.s: the first 4 GiB). Firmware keeps the ACPI tables
// below it.
const identityLimit = 4 << 30

// Identity reads physical memory through the kernel's identity map, or,
// for the first MiB (the BIOS data area, the EBDA, the BIOS ROM), through
// mm's low-memory alias: the identity map leaves the first 64 KiB
// unmapped so that nil pointers fault. It is the Phys to use inside the
// kernel; on a host it would fault.
func Identity(pa uint64, n int) []byte {
	if n <= 0 || pa >= identityLimit || uint64(n) > identityLimit-pa {
		return nil
	}
	if pa < mm.LowMemSize && uint64(n) > mm.LowMemSize-pa {
		return nil // the alias ends at 1 MiB; no table straddles it
	}
	return unsafe.Slice((*byte)(addr.Ptr(mm.PhysToVirt(pa))), n)
}
