package mm

// Low memory: the first MiB of physical memory, where the BIOS keeps its
// data (the real-mode interrupt table at 0, the BIOS data area at 0x400,
// the EBDA below 640 KiB, the ROM at 0xe0000-0xfffff) and where the boot
// code put its page tables and the AP trampoline.
//
// The identity map leaves the first MmapMinAddr bytes unmapped
// (protect.go), so that a nil pointer faults. The kernel reaches that
// memory through LowMemAlias instead: a second, writable, non-executable
// mapping of the whole first MiB, high in the address space (top-level
// slot 511), as Linux reaches low memory through its direct map at
// PAGE_OFFSET, never at virtual address 0. Its users: ACPI's and the MP
// table's look at the BIOS data area (acpi/identity.go), and the copy of
// the AP trampoline into its page (boot/trampoline.go).

const (
	// MmapMinAddr is the size of the unmapped hole at address 0, Linux's
	// default vm.mmap_min_addr.
	MmapMinAddr = 64 << 10

	LowMemAlias = 0xffff_ff80_0000_0000
	LowMemSize  = 1 << 20
)

// PhysToVirt returns where the kernel reaches physical address pa (Linux's
// phys_to_virt): the alias for the first MiB, the identity map above it.
// A range that starts below LowMemSize must end at or below it. Until
// ProtectKernel has made the alias, the identity map still covers low
// memory and is the answer.
func PhysToVirt(pa uint64) uintptr {
	if pa < LowMemSize && lowMemAliased {
		return uintptr(LowMemAlias + pa)
	}
	return uintptr(pa)
}

// lowMemAliased is set once the alias is mapped (at boot, before any
// other CPU runs).
var lowMemAliased bool

// mapLowMemAlias maps the first MiB at LowMemAlias. Callers hold
// space.lock.
func mapLowMemAlias() bool {
	for off := uint64(0); off < LowMemSize; off += PageSize {
		if !mapPage(uintptr(LowMemAlias+off), off, PTE_W|nxBit) {
			return false
		}
	}
	lowMemAliased = true
	return true
}
