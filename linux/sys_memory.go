package linux

import (
	"gopreempt/arch/amd64"
	"gopreempt/mm"
)

// Memory: mmap, munmap, mprotect, madvise, brk. Only anonymous private
// memory exists (there are no files to map); see mm/vma.go for how
// reservations stay cheap and pages are filled on first touch.
const (
	MAP_FIXED           = 0x10
	MAP_ANONYMOUS       = 0x20
	MAP_FIXED_NOREPLACE = 0x100000

	MADV_DONTNEED = 4
	MADV_FREE     = 8
)

func sysMmap(f *amd64.TrapFrame) int64 {
	hint, length := uintptr(f.RDI), uintptr(f.RSI)
	prot, flags := uint32(f.RDX), f.R10
	if flags&MAP_ANONYMOUS == 0 {
		return -ENODEV
	}
	if flags&MAP_FIXED_NOREPLACE != 0 {
		a, e := mm.Map(hint, length, prot, false)
		if e == 0 && a != hint {
			mm.Unmap(a, length)
			return -EEXIST
		}
		if e != 0 {
			return int64(e)
		}
		return int64(a)
	}
	a, e := mm.Map(hint, length, prot, flags&MAP_FIXED != 0)
	if e != 0 {
		return int64(e)
	}
	return int64(a)
}

func sysMunmap(f *amd64.TrapFrame) int64 {
	return int64(mm.Unmap(uintptr(f.RDI), uintptr(f.RSI)))
}

func sysMprotect(f *amd64.TrapFrame) int64 {
	return int64(mm.Protect(uintptr(f.RDI), uintptr(f.RSI), uint32(f.RDX)))
}

func sysMadvise(f *amd64.TrapFrame) int64 {
	switch f.RDX {
	case MADV_DONTNEED, MADV_FREE:
		return int64(mm.Discard(uintptr(f.RDI), uintptr(f.RSI)))
	}
	return 0 // hints (MADV_HUGEPAGE, ...) change nothing here
}

// brk: the runtime does not use the program break on linux/amd64; report
// an empty one so that a caller falls back to mmap.
func sysBrk(f *amd64.TrapFrame) int64 { return 0 }
