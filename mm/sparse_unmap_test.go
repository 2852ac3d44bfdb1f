package mm_test

import (
	"syscall"
	"testing"
	"unsafe"

	"gopreempt/mm"
)

// TestSparseUnmap maps 1 TiB (address space only, as the runtime
// reserves it), touches three pages in different page tables, and
// unmaps, protects and discards the whole: each walk skips the tables
// that were never made (nextTable) yet still finds the three pages.
// Walked page by page, the terabyte is 2^28 steps, and the test times
// out instead.
func TestSparseUnmap(t *testing.T) {
	const size = 1 << 40
	m, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		t.Fatalf("mmap of 1 TiB: %v", err)
	}
	base := uintptr(unsafe.Pointer(&m[0]))
	offsets := []uintptr{0, 5 << 30, size - 4096}
	touch := func() {
		for _, o := range offsets {
			m[o] = 1
		}
	}
	gone := func(what string) { // no touched page is mapped any more
		for _, o := range offsets {
			if _, ok := mm.Translate(base + o); ok {
				t.Errorf("%s of the whole: the page at +%#x is still mapped", what, o)
			}
		}
	}

	touch()
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, base, size, 4 /* MADV_DONTNEED */); e != 0 {
		t.Fatalf("madvise: %v", e)
	}
	gone("MADV_DONTNEED")
	for _, o := range offsets {
		if m[o] != 0 {
			t.Errorf("page at +%#x reads %d after MADV_DONTNEED, want 0", o, m[o])
		}
	}
	touch()
	if err := syscall.Mprotect(m, syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	gone("mprotect(PROT_NONE)")
	if err := syscall.Mprotect(m, syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	touch()
	if err := syscall.Munmap(m); err != nil {
		t.Fatalf("munmap: %v", err)
	}
	gone("munmap")
}
