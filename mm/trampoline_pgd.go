package mm

// The page tables an application processor uses while it runs the
// real-mode trampoline (boot/trampoline_amd64.s), Linux's trampoline_pgd
// (arch/x86/realmode/init.c).
//
// A start-up IPI starts a processor in real mode at a page below 1 MiB,
// and the trampoline turns paging on while it still runs there, at its
// physical address: the instructions after the write to CR0.PG, and the
// mailbox they read, must be mapped at the same address, and executable.
// The kernel's own tables map nothing below MmapMinAddr (protect.go), and
// mapping the page there for the bring-up would mean unmapping it after,
// with a TLB shootdown that must also reach processors that are not
// online yet. Instead the APs get tables of their own: copies of the
// kernel's top three levels on the way to low memory, whose first 2 MiB
// differ from the kernel's in one entry, the trampoline page (present,
// read-only, executable). Every other entry points at the kernel's own
// lower tables, so the kernel image is where apEntry64 expects it. Its
// first instructions load the kernel's CR3, which also flushes every
// translation the trampoline's tables left in that CPU's TLB (none is
// global). The kernel's tables never map the page.
//
// The tables are built once, before the first start-up IPI, and kept: a
// processor that answers after the boot CPU gave up on it still finds
// them valid.

// TrampolinePGD builds the trampoline's page tables for the page at
// physical address page (below 2 MiB) and returns the physical address of
// their top-level table (the CR3 value). ok is false when out of frames,
// or when ProtectKernel has not split the first 2 MiB into 4 KiB pages.
func TrampolinePGD(page uint64) (cr3 uint64, ok bool) {
	fl := space.lock.Lock()
	defer space.lock.Unlock(fl)
	if page >= largePage || !lowTableSplit() {
		return 0, false
	}
	var f [4]uint64 // PML4, PDPT, PD, page table
	for i := range f {
		if f[i] = AllocFrame(); f[i] == 0 {
			for _, g := range f[:i] {
				FreeFrame(g)
			}
			return 0, false
		}
	}
	// Each copy is the kernel's table, except that its entry for the first
	// 512 GiB, 1 GiB or 2 MiB points at the next copy.
	src := pt(BootPML4)
	for level := 0; level < 3; level++ {
		dst := pt(f[level])
		*dst = *src
		dst[0] = f[level+1] | src[0]&^pteAddr
		src = pt(src[0] & pteAddr)
	}
	low := pt(f[3])
	*low = *src
	low[page>>12] = page&pteAddr | PTE_P
	return f[0], true
}

// lowTableSplit reports whether the kernel maps its first 2 MiB with a
// 4 KiB table. Callers hold space.lock.
func lowTableSplit() bool {
	e := identityPD(0)[0]
	return e&PTE_P != 0 && e&PTE_PS == 0
}
