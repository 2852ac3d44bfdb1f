package mm

// AccessOK reports whether the runtime's mappings allow the kernel to
// read (or, with write, to write) every byte of [start, end): each page
// lies in a vma whose protection permits it. Linux's access_ok only
// checks that a range is below the user top and lets the copy fault;
// this kernel has no exception tables to recover a fault in its own
// code, so it asks the vmas first (signal frames, signal.go in kernel).
// A page being faulted in later is fine: demand paging serves the kernel
// as it serves the runtime.
//
// Any context; no allocation.
func AccessOK(start, end uintptr, write bool) bool {
	if end <= start || start < UserBase || end > UserTop {
		return false
	}
	fl := space.lock.Lock()
	ok := true
	for a := start; a < end; {
		v := find(a)
		if v == nil || v.prot&PROT_READ == 0 || write && v.prot&PROT_WRITE == 0 {
			ok = false
			break
		}
		a = v.end
	}
	space.lock.Unlock(fl)
	return ok
}
