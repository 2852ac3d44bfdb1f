package mm_test

import (
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"unsafe"

	"gopreempt/mm"
)

// TestUsageCountsFramesAwaitingShootdown discards 16 touched pages (one
// 64 KiB piece, as the runtime's scavenger gives back) and holds the
// TLB shootdown that must come before their frames are freed. Meanwhile
// the frames are neither resident nor free: Usage must count them as
// Pending, so that what is left (frames outside the heap, the page
// tables, the kernel stacks and the pending) does not move. The fuzzer's
// leak check once read 16 such frames as a leak.
func TestUsageCountsFramesAwaitingShootdown(t *testing.T) {
	const pages = 16
	m, err := syscall.Mmap(-1, 0, pages*4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	defer syscall.Munmap(m)
	for i := 0; i < pages; i++ {
		m[i*4096] = 1
	}
	rest := func(u mm.FrameUsage) int64 {
		return int64(u.Total - u.Free - u.Resident - u.PageTables - u.Pending - u.KernelStacks)
	}

	// The hook runs in the madvise's SYSCALL context: no channels, no
	// scheduler, only atomics (a preemptible spin, so one CPU is enough).
	var armed, entered, release atomic.Bool
	old := mm.TLBShootdown
	mm.TLBShootdown = func() {
		if armed.CompareAndSwap(true, false) {
			entered.Store(true)
			for !release.Load() {
			}
		}
		old()
	}
	defer func() { mm.TLBShootdown = old }()

	before := mm.Usage()
	armed.Store(true)
	done := make(chan syscall.Errno)
	go func() {
		_, _, e := syscall.Syscall(syscall.SYS_MADVISE, uintptr(unsafe.Pointer(&m[0])), pages*4096, 4 /* MADV_DONTNEED */)
		done <- e
	}()
	for !entered.Load() { // then a flushZombies holds frames, ours among them
		runtime.Gosched()
	}
	during := mm.Usage()
	release.Store(true)
	if e := <-done; e != 0 {
		t.Fatalf("madvise: %v", e)
	}
	after := mm.Usage()
	t.Logf("before %+v\nduring %+v\nafter  %+v", before, during, after)
	if during.Pending < pages {
		t.Errorf("during the shootdown: %d frames pending, want at least %d", during.Pending, pages)
	}
	// A runtime thread started meanwhile takes its task's two frames;
	// 16 frames lost between resident and free would show here.
	if d := rest(during) - rest(before); d < -4 || d > 4 {
		t.Errorf("frames outside the heap, the tables and the stacks moved by %d during the shootdown", d)
	}
}
