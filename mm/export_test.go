package mm

// Test hooks into the vma table and the page tables (vma_test.go).

const MaxVMAs = maxVMAs

// VMAAt returns the vma containing va.
func VMAAt(va uintptr) (start, end uintptr, prot uint32, ok bool) {
	fl := space.lock.Lock()
	defer space.lock.Unlock(fl)
	if v := find(va); v != nil {
		return v.start, v.end, v.prot, true
	}
	return 0, 0, 0, false
}

// PTEAt returns the level-1 entry for va (0 when there is no table).
func PTEAt(va uintptr) uint64 {
	fl := space.lock.Lock()
	defer space.lock.Unlock(fl)
	if e := walk(va, false); e != nil {
		return *e
	}
	return 0
}

// PTEProtNone is the software bit of a kept PROT_NONE entry.
const PTEProtNone = pteProtNone
