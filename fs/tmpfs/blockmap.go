package tmpfs

import (
	"gopreempt/internal/addr"
)

// The block map: page index -> frame. Indexes below nDirect are in the
// inode; the next ptrsPerPage through one indirect page; the rest, up to
// maxPages, through a double-indirect page of indirect pages. A zero
// entry is a hole (or a map page not needed yet). sb.lock is held by
// every function here.
const (
	maxPages    = nDirect + ptrsPerPage + ptrsPerPage*ptrsPerPage
	MaxFileSize = maxPages * 4096 // Linux's s_maxbytes for this file system
)

func mapPage(pa uint64) *[ptrsPerPage]uint64 {
	return (*[ptrsPerPage]uint64)(addr.Ptr(uintptr(pa)))
}

// pageSlot returns the map entry for page idx. With alloc, it takes the
// map pages that are missing on the way; without, it returns nil where
// one is missing (the page is a hole).
func pageSlot(ip *inode, idx int64, alloc bool) (*uint64, int64) {
	if idx < nDirect {
		return &ip.direct[idx], 0
	}
	idx -= nDirect
	if idx < ptrsPerPage {
		t, e := mapLevel(&ip.indirect, alloc)
		if t == nil {
			return nil, e
		}
		return &t[idx], 0
	}
	idx -= ptrsPerPage
	t, e := mapLevel(&ip.dindirect, alloc)
	if t == nil {
		return nil, e
	}
	t2, e := mapLevel(&t[idx/ptrsPerPage], alloc)
	if t2 == nil {
		return nil, e
	}
	return &t2[idx%ptrsPerPage], 0
}

// mapLevel returns the map page whose address is in *slot, taking a
// new one first if it is missing and alloc is set.
func mapLevel(slot *uint64, alloc bool) (*[ptrsPerPage]uint64, int64) {
	if *slot == 0 {
		if !alloc {
			return nil, 0
		}
		pa, e := allocPage()
		if e != 0 {
			return nil, e
		}
		*slot = pa
	}
	return mapPage(*slot), 0
}

// page returns the frame that holds page idx, or 0 for a hole.
func page(ip *inode, idx int64) uint64 {
	s, _ := pageSlot(ip, idx, false)
	if s == nil {
		return 0
	}
	return *s
}

// truncatePages frees every data page at index from and above, and the
// map pages that are left empty.
func truncatePages(ip *inode, from int64) {
	for i := max(from, 0); i < nDirect; i++ {
		if ip.direct[i] != 0 {
			freePage(ip.direct[i])
			ip.direct[i] = 0
			ip.pages--
		}
	}
	if ip.indirect != 0 && freeTable(ip, ip.indirect, 1, nDirect, from) {
		freePage(ip.indirect)
		ip.indirect = 0
	}
	if ip.dindirect != 0 && freeTable(ip, ip.dindirect, 2, nDirect+ptrsPerPage, from) {
		freePage(ip.dindirect)
		ip.dindirect = 0
	}
}

// freeTable frees the pages under one map page at the given level (1:
// its entries are data pages; 2: they are level-1 map pages) whose first
// entry covers page index base, from page index from on. It reports
// whether the map page is empty afterwards, so that the caller frees it.
func freeTable(ip *inode, table uint64, level int, base, from int64) bool {
	t := mapPage(table)
	span := int64(1)
	if level == 2 {
		span = ptrsPerPage
	}
	empty := true
	for i := range t {
		if t[i] == 0 {
			continue
		}
		lo := base + int64(i)*span
		if lo+span <= from {
			empty = false // wholly below the cut: kept
			continue
		}
		if level == 1 {
			freePage(t[i])
			ip.pages--
			t[i] = 0
			continue
		}
		if freeTable(ip, t[i], 1, lo, from) {
			freePage(t[i])
			t[i] = 0
		} else {
			empty = false
		}
	}
	return empty
}
