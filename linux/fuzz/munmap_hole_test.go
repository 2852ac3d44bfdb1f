package fuzz_test

import (
	"syscall"
	"testing"
)

// TestPartialMunmapLeavesTheHole replays, one call after the other, the
// interleaving that the fuzzer's goroutines could reach concurrently: a
// worker unmaps the first page of a mapping of its own, another mmap is
// placed in that hole (here by its hint; the kernel would pick the hole
// itself when it is the highest free range), and the worker then records
// the munmap. The record must keep the rest of the worker's mapping and
// leave the hole, which is the other mapping's now, alone: a record that
// unmapped the whole range again took the new mapping from its owner,
// who went on calling mprotect on a range the runtime then reused.
func TestPartialMunmapLeavesTheHole(t *testing.T) {
	setup(t)
	var munmap *call
	for i := range calls {
		if calls[i].nr == sysMunmap {
			munmap = &calls[i]
		}
	}
	mmap := func(hint, n uintptr) uintptr {
		r, _, e := syscall.Syscall6(sysMmap, hint, n, syscall.PROT_READ|syscall.PROT_WRITE,
			syscall.MAP_PRIVATE|syscall.MAP_ANON, ^uintptr(0), 0)
		if e != 0 {
			t.Fatalf("mmap(%#x, %#x): %v", hint, n, e)
		}
		return r
	}
	w := &worker{}
	x := mmap(0, 2*4096)
	w.maps = [][2]uintptr{{x, 2 * 4096}}
	a := [6]uintptr{x, 4096}
	if _, _, e := syscall.Syscall(sysMunmap, a[0], a[1], 0); e != 0 {
		t.Fatalf("munmap(%#x, 4096): %v", x, e)
	}
	other := mmap(x, 4096) // another goroutine's, in the hole
	if other != x {
		t.Fatalf("mmap with the free hint %#x returned %#x", x, other)
	}
	defer syscall.Syscall(sysMunmap, other, 4096, 0)
	w.account(munmap, a, 0, func(s string) { t.Error(s) })

	if _, _, e := syscall.Syscall(sysMprotect, other, 4096, syscall.PROT_READ|syscall.PROT_WRITE); e != 0 {
		t.Errorf("the mapping placed in the hole at %#x is gone after the worker recorded its munmap: mprotect: %v", other, e)
	}
	if len(w.maps) != 1 || w.maps[0] != [2]uintptr{x + 4096, 4096} {
		t.Errorf("the worker's mappings after unmapping [%#x, %#x): %#x, want [[%#x 0x1000]]", x, x+4096, w.maps, x+4096)
	}
	for _, m := range w.maps {
		if _, _, e := syscall.Syscall(sysMprotect, m[0], m[1], syscall.PROT_READ); e != 0 {
			t.Errorf("the worker's recorded mapping [%#x, %#x): mprotect: %v", m[0], m[0]+m[1], e)
		}
	}
	w.release()
}
