package mm

import "gopreempt/arch/amd64"

// The runtime's address space. The Go runtime manages its heap with mmap,
// munmap and madvise as it would on Linux: at start-up it reserves about
// 1.2 GiB of PROT_NONE address space that it may never use, maps its heap
// arena index read-write and barely touches it, and asks for arenas at
// hint addresses. So a mapping here is only a record (a vma); frames are
// attached page by page when the page is first touched (fault.go), and
// returned by munmap and MADV_DONTNEED. Reserving 1 GiB costs nothing.
//
// Two rules keep memory a program did not touch unchanged, as Linux does:
//
//   - The table of vmas is fixed (maxVMAs, this kernel's vm.max_map_count).
//     A call that would need more entries than are free fails with ENOMEM
//     before it changes anything: mprotect that must split a vma
//     (Linux's mprotect_fixup and __split_vma), munmap that cuts a hole
//     in one (do_vmi_align_munmap), mmap that finds the table full.
//     Dropping a piece of a vma instead would leave its pages mapped in
//     a range the table calls free, for the next mmap to be given.
//   - mprotect(PROT_NONE) keeps the frames, as Linux's change_protection
//     keeps them behind a PROT_NONE entry: the entry loses its present
//     bit and gains pteProtNone (a bit the CPU ignores in a not-present
//     entry, SDM Vol. 3A, 4.5), still naming the frame. An access faults,
//     the vma says PROT_NONE, and the task gets SIGSEGV (SEGV_ACCERR); a
//     later mprotect makes the entry present again with the old contents.
//     Such a page still counts as resident; unmapPage, and so munmap and
//     MADV_DONTNEED, release it as they release a present one.

// The range handed out to the runtime (arch/amd64/pin.go, which tells a
// goroutine's stack by it). The low bound keeps clear of the identity
// map; the high bound is Linux's usual user-space top.
const (
	UserBase = amd64.UserBase
	UserTop  = amd64.UserTop
	mmapTop  = 0x7f00_0000_0000 // where address-less mmap starts, going down
)

// Protection bits, as mmap's prot argument.
const (
	PROT_NONE  = 0
	PROT_READ  = 1
	PROT_WRITE = 2
	PROT_EXEC  = 4
)

const maxVMAs = 1024

type vma struct {
	start, end uintptr // [start, end), page aligned
	prot       uint32
}

// space is the runtime's address space: a sorted array of disjoint vmas.
var space struct {
	lock amd64.RawLock
	n    int
	v    [maxVMAs]vma
	// statistics
	resident uint64 // pages currently backed by a frame
	faults   uint64 // demand faults served
	tables   uint64 // frames walk has taken for page tables (never given back)
}

// Errno values returned (negated) by the mapping calls.
const (
	errNOMEM = 12
	errINVAL = 22
)

func pageRound(n uintptr) uintptr { return (n + PageSize - 1) &^ (PageSize - 1) }

// Map implements mmap for anonymous private memory: it returns the start
// address or a negative errno. fixed means MAP_FIXED: replace whatever is
// there. Otherwise hint is honoured when the range is free, as Linux does.
func Map(hint, length uintptr, prot uint32, fixed bool) (uintptr, int) {
	a, e := mapLocked(hint, length, prot, fixed)
	if fixed {
		flushZombies() // MAP_FIXED may have replaced a mapping
	}
	return a, e
}

func mapLocked(hint, length uintptr, prot uint32, fixed bool) (uintptr, int) {
	if length == 0 || hint&(PageSize-1) != 0 && fixed {
		return 0, -errINVAL
	}
	length = pageRound(length)
	if length == 0 || length > UserTop-UserBase {
		return 0, -errNOMEM // rounded past 2^64, or larger than the space (Linux's do_mmap)
	}
	fl := space.lock.Lock()
	defer space.lock.Unlock(fl)
	start := hint &^ (PageSize - 1)
	switch {
	case fixed:
		if start < UserBase || start+length > UserTop || start+length < start {
			return 0, -errINVAL
		}
		if countAfterUnmap(start, start+length) >= maxVMAs {
			return 0, -errNOMEM // no room for the new vma: replace nothing
		}
		unmapRange(start, start+length)
	case start >= UserBase && start+length <= UserTop && start+length > start && rangeFree(start, start+length):
		// the hint is free: take it
	default:
		var ok bool
		start, ok = findGap(length)
		if !ok {
			return 0, -errNOMEM
		}
	}
	if !insert(vma{start, start + length, prot}) {
		return 0, -errNOMEM
	}
	return start, 0
}

// Unmap implements munmap: the range stops being addressable and its
// frames go back to the allocator.
func Unmap(start, length uintptr) int {
	if start&(PageSize-1) != 0 || length == 0 || !rangeFits(start, length) {
		return -errINVAL
	}
	fl := space.lock.Lock()
	ok := unmapRange(start, start+pageRound(length))
	space.lock.Unlock(fl)
	flushZombies()
	if !ok {
		return -errNOMEM // a hole in a vma, and the table is full
	}
	return 0
}

// rangeFits reports whether [start, start+length), rounded up to pages,
// wraps neither the rounding nor the end: a huge length must not turn
// into an empty or backwards range.
func rangeFits(start, length uintptr) bool {
	n := pageRound(length)
	return (n != 0 || length == 0) && start+n >= start
}

// Discard implements MADV_DONTNEED: the range stays mapped but its frames
// are released; the next touch reads zeroes (man 2 madvise).
func Discard(start, length uintptr) int {
	if start&(PageSize-1) != 0 || !rangeFits(start, length) {
		return -errINVAL
	}
	end := start + pageRound(length)
	fl := space.lock.Lock()
	releaseFrames(start, end)
	space.lock.Unlock(fl)
	flushZombies()
	return 0
}

// Protect implements mprotect. When a page lost a permission, every CPU
// flushes its TLB before the call returns: another CPU may hold the old,
// more permissive translation (SDM Vol. 3A, 4.10.5).
func Protect(start, length uintptr, prot uint32) int {
	r, shoot := protect(start, length, prot)
	if shoot && TLBShootdown != nil {
		TLBShootdown()
	}
	flushZombies()
	return r
}

func protect(start, length uintptr, prot uint32) (r int, shoot bool) {
	if start&(PageSize-1) != 0 {
		return -errINVAL, false
	}
	if !rangeFits(start, length) {
		return -errNOMEM, false // as Linux's mprotect: end <= start
	}
	end := start + pageRound(length)
	fl := space.lock.Lock()
	defer space.lock.Unlock(fl)
	if !covered(start, end) {
		return -errNOMEM, false
	}
	if space.n+splitsAt(start)+splitsAt(end) > maxVMAs {
		return -errNOMEM, false // the splits would not fit: change nothing
	}
	splitAt(start)
	splitAt(end)
	for i := 0; i < space.n; i++ {
		v := &space.v[i]
		if v.start >= start && v.end <= end {
			v.prot = prot
		}
	}
	for va := start; va < end && va >= start; va = nextTable(va) {
		e := walk(va, false)
		if e == nil || *e&(PTE_P|pteProtNone) == 0 {
			continue
		}
		old := *e
		if prot == PROT_NONE {
			*e = old&pteAddr | pteProtNone
		} else {
			*e = old&pteAddr | pteFlags(prot) | PTE_P
		}
		if old&PTE_P != 0 && (*e&PTE_P == 0 || old&PTE_W != 0 && *e&PTE_W == 0 || old&PTE_NX == 0 && *e&PTE_NX != 0) {
			shoot = true
		}
		amd64.Invlpg(va)
	}
	return 0, shoot
}

// pteFlags returns the entry bits, present bit aside, for a page of a vma
// with protection prot (not PROT_NONE).
func pteFlags(prot uint32) uint64 {
	flags := nxBit
	if prot&PROT_WRITE != 0 {
		flags |= PTE_W
	}
	if prot&PROT_EXEC != 0 {
		flags &^= PTE_NX
	}
	return flags
}

// Stats reports the vma count, resident pages and demand faults served
// (for tests: the runtime and fuzzer tests watch the address space grow).
func Stats() (vmas int, resident, faults uint64) {
	fl := space.lock.Lock()
	vmas, resident, faults = space.n, space.resident, space.faults
	space.lock.Unlock(fl)
	return
}

// PageTableFrames reports how many frames have gone to page tables that
// walk created. Page tables are never freed, so the count only grows; a
// leak check (the fuzzer's, linux/fuzz) subtracts it from the frames in
// use.
func PageTableFrames() uint64 {
	fl := space.lock.Lock()
	n := space.tables
	space.lock.Unlock(fl)
	return n
}

// find returns the vma containing va.
func find(va uintptr) *vma {
	lo, hi := 0, space.n
	for lo < hi {
		m := (lo + hi) / 2
		switch v := &space.v[m]; {
		case va < v.start:
			hi = m
		case va >= v.end:
			lo = m + 1
		default:
			return v
		}
	}
	return nil
}

func rangeFree(start, end uintptr) bool {
	for i := 0; i < space.n; i++ {
		if space.v[i].start < end && start < space.v[i].end {
			return false
		}
	}
	return true
}

func covered(start, end uintptr) bool {
	for a := start; a < end; {
		v := find(a)
		if v == nil {
			return false
		}
		a = v.end
	}
	return true
}

// findGap finds the highest free range of length below mmapTop.
func findGap(length uintptr) (uintptr, bool) {
	top := uintptr(mmapTop)
	for i := space.n - 1; i >= -1; i-- {
		var lo uintptr = UserBase
		if i >= 0 {
			if space.v[i].start >= top {
				continue
			}
			lo = space.v[i].end
		}
		if top >= lo+length && top-length >= lo {
			return top - length, true
		}
		if i >= 0 {
			top = space.v[i].start
		}
	}
	return 0, false
}

func insert(n vma) bool {
	if space.n == maxVMAs {
		return false
	}
	i := 0
	for i < space.n && space.v[i].start < n.start {
		i++
	}
	copy(space.v[i+1:space.n+1], space.v[i:space.n])
	space.v[i] = n
	space.n++
	return true
}

// splitsAt is how many entries splitAt(a) adds to the table: 1 when a
// falls strictly inside a vma, else 0.
func splitsAt(a uintptr) int {
	if v := find(a); v != nil && v.start != a {
		return 1
	}
	return 0
}

// splitAt makes a vma boundary at a, if a falls inside one. The caller
// has made sure the table has room (splitsAt): a split that cannot insert
// its tail would drop [a, end) from the table while its pages stay mapped.
func splitAt(a uintptr) {
	v := find(a)
	if v == nil || v.start == a {
		return
	}
	tail := vma{a, v.end, v.prot}
	if !insert(tail) {
		panic("mm: splitAt with the vma table full")
	}
	v.end = a // insert moved only the entries after v
}

// countAfterUnmap is how many vmas the table holds after
// unmapRange(start, end): one more for a vma that the range cuts a hole
// in, one fewer for each vma inside the range.
func countAfterUnmap(start, end uintptr) int {
	n := space.n
	for i := 0; i < space.n; i++ {
		switch v := &space.v[i]; {
		case v.start < start && end < v.end:
			n++
		case start <= v.start && v.end <= end:
			n--
		}
	}
	return n
}

// unmapRange removes [start, end) from the address space. A vma that
// straddles an end is trimmed, which needs no entry; only a hole cut in
// the middle of one vma needs a new entry, and when the table is full
// unmapRange returns false and changes nothing.
func unmapRange(start, end uintptr) bool {
	if countAfterUnmap(start, end) > maxVMAs {
		return false
	}
	if v := find(start); v != nil && v.start < start && end < v.end {
		splitAt(end) // the hole: [start, end) is now the head's tail
	}
	releaseFrames(start, end)
	j := 0
	for i := 0; i < space.n; i++ {
		v := space.v[i]
		switch {
		case start <= v.start && v.end <= end:
			continue // inside: gone
		case v.start < start && start < v.end:
			v.end = start // straddles start: keep the head
		case v.start < end && end < v.end:
			v.start = end // straddles end: keep the tail
		}
		space.v[j] = v
		j++
	}
	space.n = j
	return true
}

// releaseFrames unmaps every present page in [start, end). Only pages
// inside vmas can be present, so only those are walked. The frames are
// not freed here: another CPU may still hold a translation for the page
// in its TLB, so they wait in zombies until flushZombies has shot those
// entries down.
func releaseFrames(start, end uintptr) {
	for i := 0; i < space.n; i++ {
		v := &space.v[i]
		s, e := v.start, v.end
		if s < start {
			s = start
		}
		if e > end {
			e = end
		}
		for va := s; va < e && va >= s; va = nextTable(va) {
			if pa, ok := unmapPage(va); ok {
				space.resident--
				if zombies.n < len(zombies.f) {
					zombies.f[zombies.n] = pa
					zombies.n++
				} else {
					zombies.leaked++ // cannot free safely: keep it out of use
				}
			}
		}
	}
}

// zombies are frames unmapped but not yet safe to reuse. space.lock.
// inflight counts those flushZombies has taken off f and not yet freed
// (it frees them under space.lock): a frame is in use, pending here, or
// free, and FrameUsage sees each in exactly one of the three.
var zombies struct {
	f        [1 << 17]uint64
	n        int
	inflight int
	leaked   uint64
}

// TLBShootdown makes every CPU flush its TLB and returns when they all
// have: kernel.FlushTLBAll, which boot/hooks.go installs (the shootdown
// needs preempt_disable and the online CPUs, which are the kernel's). It is called with interrupts on and no
// lock held, because the other CPUs may be spinning on a lock with
// interrupts off and must be able to get there first (SDM Vol. 3A,
// 4.10.5: propagation of paging-structure changes to other processors).
var TLBShootdown func()

// flushZombies shoots down stale translations and then frees the frames
// unmapped so far. Called by the public calls after they unlock.
func flushZombies() {
	for {
		var chunk [512]uint64
		fl := space.lock.Lock()
		n := copy(chunk[:], zombies.f[max(0, zombies.n-len(chunk)):zombies.n])
		zombies.n -= n
		zombies.inflight += n
		space.lock.Unlock(fl)
		if n == 0 {
			return
		}
		if TLBShootdown != nil {
			TLBShootdown()
		}
		fl = space.lock.Lock()
		for _, pa := range chunk[:n] {
			FreeFrame(pa)
		}
		zombies.inflight -= n
		space.lock.Unlock(fl)
	}
}
