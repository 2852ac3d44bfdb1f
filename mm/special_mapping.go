package mm

// Special mappings: pages the kernel provides and places in the
// runtime's address space itself, rather than memory the runtime asked
// for with mmap. The vDSO is one (vdso/vdso.go): its code page,
// readable and executable, and its data page, readable only, the way
// Linux's _install_special_mapping() puts [vvar] and [vdso] into a new
// process (mm/mmap.c, arch/x86/entry/vdso/vma.c).
//
// Each page gets its own vma and its own page-table entry with the
// protection asked for, so the rest of the address space (and the
// protection of kernel text and data, mm/protect.go) is untouched. The
// frames stay the caller's: the kernel keeps writing the data page
// through its identity-map alias, which is writable, while the mapping
// here is not. The pages count as resident, so that an munmap of them
// (the runtime never does it; on Linux it would cost the program its
// vDSO) keeps the accounting right.

// SpecialPage is one page of a special mapping: the frame, and the
// protection (PROT_READ, PROT_EXEC) it is mapped with.
type SpecialPage struct {
	Frame uint64
	Prot  uint32
}

// InstallSpecialMapping maps pages, in order, at the highest free range
// of the runtime's address space and returns its start. It fails only
// when the address space or the page-table frames are exhausted; it then
// takes back what it had installed, and the frames stay the caller's.
// No allocation: it runs before the runtime starts.
func InstallSpecialMapping(pages []SpecialPage) (uintptr, bool) {
	fl := space.lock.Lock()
	defer space.lock.Unlock(fl)
	start, ok := findGap(uintptr(len(pages)) * PageSize)
	if !ok {
		return 0, false
	}
	for i, p := range pages {
		va := start + uintptr(i)*PageSize
		flags := nxBit
		if p.Prot&PROT_WRITE != 0 {
			flags |= PTE_W
		}
		if p.Prot&PROT_EXEC != 0 {
			flags &^= PTE_NX
		}
		if !insert(vma{va, va + PageSize, p.Prot}) {
			uninstall(start, va)
			return 0, false
		}
		if !mapPage(va, p.Frame, flags) {
			uninstall(start, va+PageSize)
			return 0, false
		}
		space.resident++
	}
	return start, true
}

// uninstall removes the vmas of [start, end) and unmaps its pages
// without giving their frames to anyone: they are the caller's. No CPU
// can have used the addresses yet, so no TLB shootdown is needed.
// Callers hold space.lock.
func uninstall(start, end uintptr) {
	for va := start; va < end; va += PageSize {
		if _, ok := unmapPage(va); ok {
			space.resident--
		}
	}
	j := 0
	for i := 0; i < space.n; i++ {
		if v := space.v[i]; v.start >= start && v.end <= end {
			continue
		}
		space.v[j] = space.v[i]
		j++
	}
	space.n = j
}

// PageProt reads back the protection of the 4 KiB page at va from its
// page-table entry: PROT_READ if present, plus PROT_WRITE and PROT_EXEC
// as the W and NX bits say. ok is false for an unmapped page or one
// inside a large page. For tests of special mappings.
func PageProt(va uintptr) (prot uint32, ok bool) {
	fl := space.lock.Lock()
	defer space.lock.Unlock(fl)
	e := walk(va, false)
	if e == nil || *e&PTE_P == 0 {
		return 0, false
	}
	prot = PROT_READ
	if *e&PTE_W != 0 {
		prot |= PROT_WRITE
	}
	if nxBit == 0 || *e&PTE_NX == 0 {
		prot |= PROT_EXEC
	}
	return prot, true
}
