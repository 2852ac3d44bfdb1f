package mm_test

import (
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"unsafe"

	"gopreempt/mm"
)

// Kernel-mode tests of the two rules in vma.go's opening comment: a call
// that needs more vmas than the table holds fails with ENOMEM and
// changes nothing, and mprotect(PROT_NONE) keeps the pages.

const pageSize = 4096

// TestProtNoneKeepsPages writes a pattern, makes the pages PROT_NONE,
// checks that an access faults and that the frames are kept (resident,
// behind a not-present entry), and reads the pattern back after
// mprotect(PROT_READ|PROT_WRITE). It used to read zeroes: PROT_NONE
// released the frames.
func TestProtNoneKeepsPages(t *testing.T) {
	const pages = 4
	m, err := syscall.Mmap(-1, 0, pages*pageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	defer syscall.Munmap(m)
	base := uintptr(unsafe.Pointer(&m[0]))
	words := func(i int) *[pageSize / 8]uint64 { return (*[pageSize / 8]uint64)(unsafe.Pointer(&m[i*pageSize])) }
	for i := 0; i < pages; i++ {
		for j := range words(i) {
			words(i)[j] = uint64(i)<<32 | uint64(j) | 0xa5<<56
		}
	}
	var frames [pages]uint64
	for i := range frames {
		frames[i] = mm.PTEAt(base+uintptr(i)*pageSize) & 0x000ffffffffff000
	}
	_, resBefore, _ := mm.Stats()

	if err := syscall.Mprotect(m, syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect(PROT_NONE): %v", err)
	}
	_, resNone, _ := mm.Stats()
	for i := range frames {
		va := base + uintptr(i)*pageSize
		e := mm.PTEAt(va)
		if e&1 != 0 || e&mm.PTEProtNone == 0 || e&0x000ffffffffff000 != frames[i] {
			t.Errorf("page %d under PROT_NONE: entry %#x, want not present, marked, frame %#x", i, e, frames[i])
		}
		if _, ok := mm.Translate(va); ok {
			t.Errorf("page %d under PROT_NONE still translates", i)
		}
	}
	// The runtime maps and unmaps meanwhile; our 4 frames must not go.
	if d := int64(resBefore) - int64(resNone); d >= pages {
		t.Errorf("resident %d before PROT_NONE, %d after: the frames were released", resBefore, resNone)
	}

	got := func() (r any) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() { r = recover() }()
		sink = loadByte(&m[pageSize+8])
		return nil
	}()
	if e, ok := got.(interface{ Addr() uintptr }); !ok || e.Addr() != base+pageSize+8 {
		t.Errorf("read of a PROT_NONE page: recovered %v, want a fault at %#x", got, base+pageSize+8)
	}

	if err := syscall.Mprotect(m, syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
		t.Fatalf("mprotect(PROT_READ|PROT_WRITE): %v", err)
	}
	for i := 0; i < pages; i++ {
		if e := mm.PTEAt(base + uintptr(i)*pageSize); e&1 == 0 || e&2 == 0 || e&mm.PTEProtNone != 0 {
			t.Errorf("page %d after mprotect back: entry %#x, want present and writable", i, e)
		}
		for j, w := range words(i) {
			if want := uint64(i)<<32 | uint64(j) | 0xa5<<56; w != want {
				t.Fatalf("page %d word %d reads %#x after PROT_NONE and back, want %#x", i, j, w, want)
			}
		}
	}
	words(2)[0] = 1 // still writable, without a fault

	// PROT_NONE, then munmap: the kept frames go back like present ones.
	if err := syscall.Mprotect(m, syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect(PROT_NONE): %v", err)
	}
	_, r1, _ := mm.Stats()
	if err := syscall.Munmap(m); err != nil {
		t.Fatalf("munmap: %v", err)
	}
	_, r2, _ := mm.Stats()
	for i := range frames {
		if e := mm.PTEAt(base + uintptr(i)*pageSize); e != 0 {
			t.Errorf("page %d after munmap: entry %#x, want 0", i, e)
		}
	}
	if int64(r1)-int64(r2) < pages-2 {
		t.Errorf("resident %d before munmap of %d PROT_NONE pages, %d after", r1, pages, r2)
	}
}

var sink byte

//go:noinline
func loadByte(p *byte) byte { return *p }

// TestVMATableFull fills the vma table to the limit by splitting one
// mapping of our own, then asks for what needs one more entry: mprotect
// of a page inside a vma, mprotect at a vma's start, munmap of a hole,
// MAP_FIXED over a hole. Each must fail with ENOMEM, and every page must
// keep its vma, its protection and its contents. munmap that only trims
// a vma needs no entry and must work. splitAt used to drop the tail of
// the vma it split, leaving its pages mapped in a range the table called
// free.
//
// While the table is full the runtime's own mmaps would fail too: the
// window uses raw system calls, allocates nothing and runs with the
// collector off.
func TestVMATableFull(t *testing.T) {
	vmas, _, _ := mm.Stats()
	pages := 2*(mm.MaxVMAs-vmas) + 64
	m, err := syscall.Mmap(-1, 0, pages*pageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	base := uintptr(unsafe.Pointer(&m[0]))
	defer syscall.Munmap(m)
	for i := 0; i < pages; i++ {
		*(*uint64)(unsafe.Pointer(&m[i*pageSize])) = uint64(i) | 0x5a<<56
	}
	want := make([]uint32, pages) // each page's protection
	for i := range want {
		want[i] = syscall.PROT_READ | syscall.PROT_WRITE
	}
	page := func(i int) uintptr { return base + uintptr(i)*pageSize }
	sys := func(n, a1, a2, a3 uintptr) syscall.Errno {
		_, _, e := syscall.RawSyscall(n, a1, a2, a3)
		return e
	}
	mmapFixed := func(a uintptr) syscall.Errno {
		_, _, e := syscall.RawSyscall6(syscall.SYS_MMAP, a, pageSize, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_FIXED, ^uintptr(0), 0)
		return e
	}

	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	runtime.GC()
	var errs [8]syscall.Errno
	var full, after int
	last := 0 // the split point: pages [last, pages) are one read-write vma
	// Every odd page read-only: each mprotect cuts one page out of the
	// last vma, two entries more, until one or none is free; then one
	// mprotect to the end, which splits only at its start, if needed.
	for i := 1; i+2 < pages; i += 2 {
		n, _, _ := mm.Stats()
		if n+2 > mm.MaxVMAs {
			break
		}
		if e := sys(syscall.SYS_MPROTECT, page(i), pageSize, syscall.PROT_READ); e != 0 {
			errs[0] = e
			break
		}
		want[i] = syscall.PROT_READ
		last = i + 1
	}
	if n, _, _ := mm.Stats(); n < mm.MaxVMAs && errs[0] == 0 {
		errs[1] = sys(syscall.SYS_MPROTECT, page(last+1), uintptr(pages-last-1)*pageSize, syscall.PROT_READ|syscall.PROT_WRITE|syscall.PROT_EXEC)
		for i := last + 1; i < pages; i++ {
			want[i] = syscall.PROT_READ | syscall.PROT_WRITE | syscall.PROT_EXEC
		}
		// [last] is read-write alone; [last+1, pages) read-write-exec.
	}
	full, _, _ = mm.Stats()
	mid := last + 1 + (pages-last-1)/2                                               // inside the last vma
	errs[2] = sys(syscall.SYS_MPROTECT, page(mid), pageSize, syscall.PROT_READ)      // two splits
	errs[3] = sys(syscall.SYS_MPROTECT, page(last+1), 2*pageSize, syscall.PROT_READ) // one split, at the end
	errs[4] = sys(syscall.SYS_MUNMAP, page(mid), pageSize, 0)                        // a hole
	errs[5] = mmapFixed(page(mid))                                                   // a hole to fill
	errs[6] = sys(syscall.SYS_MPROTECT, page(last), 2*pageSize, syscall.PROT_READ)   // one split, inside the last vma
	errs[7] = sys(syscall.SYS_MUNMAP, page(pages-1), pageSize, 0)                    // a trim: no entry needed
	after, _, _ = mm.Stats()
	debug.SetGCPercent(100)

	if errs[0] != 0 || errs[1] != 0 {
		t.Fatalf("filling the table: mprotect %v, %v", errs[0], errs[1])
	}
	if full != mm.MaxVMAs {
		t.Fatalf("the table holds %d vmas, want it full (%d)", full, mm.MaxVMAs)
	}
	for i, what := range []string{"mprotect inside a vma", "mprotect at a vma's start", "munmap of a hole", "mmap MAP_FIXED over a hole", "mprotect across a vma's end"} {
		if e := errs[2+i]; e != syscall.ENOMEM {
			t.Errorf("%s with the table full: %v, want ENOMEM", what, e)
		}
	}
	if errs[7] != 0 {
		t.Errorf("munmap of a vma's last page with the table full: %v, want success", errs[7])
	}
	if after != full {
		t.Errorf("the table holds %d vmas after the calls, want %d (the trim changes no count)", after, full)
	}
	for i := 0; i < pages-1; i++ {
		s, e, prot, ok := mm.VMAAt(page(i))
		if !ok || prot != want[i] || s > page(i) || e <= page(i) {
			t.Fatalf("page %d: vma [%#x, %#x) prot %d ok %v, want one with prot %d", i, s, e, prot, ok, want[i])
		}
		if w := *(*uint64)(unsafe.Pointer(&m[i*pageSize])); w != uint64(i)|0x5a<<56 {
			t.Fatalf("page %d reads %#x, want %#x", i, w, uint64(i)|0x5a<<56)
		}
	}
	if _, _, _, ok := mm.VMAAt(page(pages - 1)); ok {
		t.Errorf("the unmapped last page still has a vma")
	}
	if mm.PTEAt(page(pages-1)) != 0 {
		t.Errorf("the unmapped last page is still mapped")
	}
}
