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

// ImageAccessOK reports whether [start, end) lies in the kernel image's
// data that the runtime linked into it may hand to a system call: its
// read-only data (string constants such as the paths it probes, the
// messages it writes) for reading, and .data/.bss (runtime.m0's futex
// words, its g0 and their buffers) for reading or writing. The runtime
// is part of the kernel image, so these are "user" memory too; the text,
// the page-table and kernel-stack regions are not. Before ProtectKernel
// has run nothing is accepted.
//
// Any context; no allocation.
func ImageAccessOK(start, end uintptr, write bool) bool {
	rlo, rhi := protectedImage.RodataPages()
	dlo, dhi := protectedImage.DataPages()
	switch {
	case end <= start || rlo == 0:
		return false
	case start >= dlo && end <= dhi:
		return true
	case start >= rlo && end <= rhi:
		return !write
	}
	return false
}
