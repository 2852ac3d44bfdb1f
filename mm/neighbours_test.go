package mm_test

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"gopreempt/internal/addr"
	"gopreempt/mm"
)

// TestCallsLeaveNeighboursAlone issues the system fuzzer's kinds of
// memory calls (linux/fuzz) on mappings laid next to each other: mmap
// with hints into, over and beside them and random protections and
// flags (never MAP_FIXED), mprotect, munmap and madvise on page ranges
// across them, and brk with arbitrary pointers. After each call it
// checks every page of the region against a model of Linux's rules,
// through the kernel's own vma table and page tables: a mapping outside
// the call's range keeps its vma, its protection (down to the PTE's
// present and writable bits) and its contents. Without MAP_FIXED a hint
// is taken only when the whole range is free (else the mapping goes
// elsewhere, outside the region); mprotect fails with ENOMEM, changing
// nothing, when the range has a hole; brk moves over nothing.
//
// The region lies above where mmap places memory that has no hint
// (vma.go's mmapTop), so no mapping of the runtime's lands in its holes
// while the test runs; its first and last pages are sentinels no call
// names.
func TestCallsLeaveNeighboursAlone(t *testing.T) {
	const (
		base  = 0x7f40_0000_0000
		pages = 48
		calls = 3000
	)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	const unmapped = -1
	var prot [pages]int   // the model: each page's protection, or unmapped
	var tag [pages]uint64 // and what its first word holds
	page := func(i int) uintptr { return base + uintptr(i)*pageSize }
	word := func(i int) *uint64 { return (*uint64)(addr.Ptr(page(i))) }
	sys := func(nr, a0, a1, a2 uintptr) (uintptr, syscall.Errno) {
		r, _, e := syscall.Syscall(nr, a0, a1, a2)
		return r, e
	}
	mmap := func(hint, n, p, flags uintptr) (uintptr, syscall.Errno) {
		r, _, e := syscall.Syscall6(syscall.SYS_MMAP, hint, n, p, flags, ^uintptr(0), 0)
		return r, e
	}
	for i := range prot {
		prot[i] = unmapped
	}
	// The sentinels and a first few neighbours, read-write.
	for _, i := range []int{0, pages - 1} {
		if r, e := mmap(page(i), pageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON); e != 0 || r != page(i) {
			t.Fatalf("mmap of the sentinel at %#x: %#x, %v", page(i), r, e)
		}
		prot[i], tag[i] = syscall.PROT_READ|syscall.PROT_WRITE, uint64(0x5e47_0000+i)
		*word(i) = tag[i]
	}
	defer func() {
		for i := range prot {
			if prot[i] != unmapped {
				syscall.Syscall(syscall.SYS_MUNMAP, page(i), pageSize, 0)
			}
		}
	}()
	protections := []int{syscall.PROT_NONE, syscall.PROT_READ, syscall.PROT_READ | syscall.PROT_WRITE,
		syscall.PROT_WRITE, syscall.PROT_READ | syscall.PROT_EXEC, syscall.PROT_READ | syscall.PROT_WRITE | syscall.PROT_EXEC}
	// A range of whole pages strictly between the sentinels.
	span := func() (int, int) {
		lo := 1 + rng.IntN(pages-2)
		return lo, lo + 1 + rng.IntN(min(8, pages-1-lo))
	}
	check := func(what string) bool {
		for i := range prot {
			start, end, p, ok := mm.VMAAt(page(i))
			pte := mm.PTEAt(page(i))
			switch {
			case prot[i] == unmapped && ok:
				t.Errorf("after %s: page %d (%#x) is in the vma [%#x, %#x) prot %d, want unmapped", what, i, page(i), start, end, p)
			case prot[i] == unmapped && pte&mm.PTE_P != 0:
				t.Errorf("after %s: page %d (%#x), unmapped, has a present PTE %#x", what, i, page(i), pte)
			case prot[i] == unmapped:
			case !ok:
				t.Errorf("after %s: page %d (%#x) is unmapped, want prot %d", what, i, page(i), prot[i])
			case int(p) != prot[i]:
				t.Errorf("after %s: page %d (%#x) has prot %d (vma [%#x, %#x)), want %d", what, i, page(i), p, start, end, prot[i])
			case pte&mm.PTE_P != 0 && prot[i] == syscall.PROT_NONE:
				t.Errorf("after %s: page %d (%#x), PROT_NONE, has a present PTE %#x", what, i, page(i), pte)
			case pte&mm.PTE_W != 0 && prot[i]&syscall.PROT_WRITE == 0:
				t.Errorf("after %s: page %d (%#x), prot %d, has a writable PTE %#x", what, i, page(i), prot[i], pte)
			case prot[i] != syscall.PROT_NONE && *word(i) != tag[i]:
				t.Errorf("after %s: page %d (%#x) holds %#x, want %#x", what, i, page(i), *word(i), tag[i])
			}
		}
		return !t.Failed()
	}
	if !check("the sentinels' mmap") {
		t.FailNow()
	}
	for n := 0; n < calls; n++ {
		lo, hi := span()
		length := uintptr(hi-lo) * pageSize
		var what string
		switch op := rng.IntN(7); op {
		case 0: // mmap with a hint in the region, free or not
			p := protections[rng.IntN(len(protections))]
			flags := uintptr(syscall.MAP_PRIVATE | syscall.MAP_ANON)
			if rng.IntN(2) == 0 {
				flags |= uintptr(rng.Uint64()) &^ (0x10 | 0x100000) // no MAP_FIXED, MAP_FIXED_NOREPLACE
				flags |= syscall.MAP_ANON
			}
			hint := page(lo)
			if rng.IntN(4) == 0 {
				hint += uintptr(1 + rng.IntN(pageSize-1))
			}
			r, e := mmap(hint, length-uintptr(rng.IntN(2)), uintptr(p), flags)
			what = "mmap"
			if e != 0 {
				break
			}
			// Free: the n pages from page first.
			free := func(first int) bool {
				if first < 0 || first+hi-lo > pages {
					return false
				}
				for i := first; i < first+hi-lo; i++ {
					if prot[i] != unmapped {
						return false
					}
				}
				return true
			}
			inside := r < page(pages) && r+length > base
			first := int((r - base) / pageSize)
			// An unaligned hint may be rounded down (here) or up (Linux's
			// PAGE_ALIGN in arch_get_unmapped_area_topdown).
			hinted := r == page(lo) || hint != page(lo) && r == page(lo+1)
			switch {
			case inside && (r&(pageSize-1) != 0 || !hinted || !free(first)):
				t.Errorf("mmap(hint %#x, %d pages): %#x, in the region, but not the hint's free range", hint, hi-lo, r)
			case inside:
				for i := first; i < first+hi-lo; i++ {
					prot[i], tag[i] = p, 0
				}
			default:
				if hint == page(lo) && free(lo) {
					t.Errorf("mmap(hint %#x, %d pages), the range free: %#x, not the hint", hint, hi-lo, r)
				}
				syscall.Syscall(syscall.SYS_MUNMAP, r, length, 0)
			}
		case 1: // mprotect
			p := protections[rng.IntN(len(protections))]
			_, e := sys(syscall.SYS_MPROTECT, page(lo), length, uintptr(p))
			what = "mprotect"
			hole := false
			for i := lo; i < hi; i++ {
				hole = hole || prot[i] == unmapped
			}
			switch {
			case hole && e != syscall.ENOMEM:
				t.Errorf("mprotect of pages [%d, %d) with a hole: %v, want ENOMEM", lo, hi, e)
			case !hole && e != 0:
				t.Errorf("mprotect of pages [%d, %d): %v", lo, hi, e)
			case !hole:
				for i := lo; i < hi; i++ {
					prot[i] = p
				}
			}
		case 2: // munmap
			if _, e := sys(syscall.SYS_MUNMAP, page(lo), length-uintptr(rng.IntN(2)), 0); e != 0 {
				t.Errorf("munmap of pages [%d, %d): %v", lo, hi, e)
			}
			what = "munmap"
			for i := lo; i < hi; i++ {
				prot[i], tag[i] = unmapped, 0
			}
		case 3: // madvise(MADV_DONTNEED): the mapped pages read zeroes
			sys(syscall.SYS_MADVISE, page(lo), length, 4)
			what = "madvise(MADV_DONTNEED)"
			for i := lo; i < hi; i++ {
				tag[i] = 0
			}
		case 4: // brk with an arbitrary pointer, in the region or not
			sys(syscall.SYS_BRK, page(lo)+uintptr(rng.IntN(pageSize)), 0, 0)
			what = "brk"
		case 5, 6: // write the pages that are writable
			what = "writes"
			for i := lo; i < hi; i++ {
				if prot[i] != unmapped && prot[i]&syscall.PROT_WRITE != 0 {
					tag[i] = rng.Uint64() | 1
					*word(i) = tag[i]
				}
			}
		}
		if !check(what) {
			t.Fatalf("call %d (seed %d)", n, seed)
		}
	}
}
