package mm

import (
	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
)

// The kernel has one address space, shared by every task and CPU, as the
// Go runtime's threads share one process address space (SDM Vol. 3A, 4.5,
// 4-level paging):
//
//	0 .. 4 GiB (or the top of RAM)   identity map, 2 MiB pages, built by
//	                                 the boot code at BootPML4; kernel
//	                                 image, frames, MMIO, task structs
//	UserBase .. UserTop              what the runtime maps with mmap,
//	                                 4 KiB pages filled in on first touch
//	KStackBase ..                    kernel stacks with guard pages
//
// There is no user mode: every mapping is supervisor-only.

// BootPML4 is where the 32-bit boot code put the top-level table.
const BootPML4 = 0x70000

// Page-table entry bits (SDM Vol. 3A, table 4-19 and 4-20).
const (
	PTE_P   = 1 << 0 // present
	PTE_W   = 1 << 1 // writable
	PTE_PWT = 1 << 3
	PTE_PCD = 1 << 4 // cache disable, for MMIO
	PTE_A   = 1 << 5 // accessed: set by the CPU, read by no one here (no page reclaim)
	PTE_D   = 1 << 6 // dirty: set by the CPU, read by no one here (no writeback)
	PTE_PS  = 1 << 7 // 2 MiB / 1 GiB page at PD / PDPT level
	PTE_NX  = 1 << 63

	pteAddr = 0x000ffffffffff000

	// pteProtNone marks a not-present entry that still owns its frame:
	// a page of a PROT_NONE vma that had been touched (vma.go). Bit 9
	// is one the CPU ignores (SDM Vol. 3A, table 4-20; with P clear it
	// ignores them all).
	pteProtNone = 1 << 9
)

// pt returns the table at physical address pa through the identity map.
func pt(pa uint64) *[512]uint64 { return (*[512]uint64)(addr.Ptr(uintptr(pa))) }

// walk returns the level-1 entry for va, creating the tables on the way
// when create is set. It returns nil when a table is missing (and create
// is off), when a frame for a new table cannot be had, or when va is
// covered by a large page. Callers hold space.lock.
func walk(va uintptr, create bool) *uint64 {
	t := pt(BootPML4)
	for level := 3; level > 0; level-- {
		i := (uint64(va) >> (12 + 9*uint(level))) & 511
		e := &t[i]
		if *e&PTE_P == 0 {
			if !create {
				return nil
			}
			f := AllocFrame()
			if f == 0 {
				return nil
			}
			*e = f | PTE_P | PTE_W
			space.tables++
		} else if *e&PTE_PS != 0 {
			return nil
		}
		t = pt(*e & pteAddr)
	}
	return &t[(uint64(va)>>12)&511]
}

// nextTable is where a walk over [va, ...) must look after va: the next
// page when va's level-1 table exists, or else the end of the range the
// missing table (or a large page) would cover. So a loop over a sparse
// range costs its populated tables, not its pages, as Linux's
// zap_pmd_range skips pmd_none entries: munmap of a terabyte that the
// runtime reserved and never touched is a few steps. Callers hold
// space.lock.
func nextTable(va uintptr) uintptr {
	t := pt(BootPML4)
	for level := 3; level > 0; level-- {
		shift := 12 + 9*uint(level)
		e := t[(uint64(va)>>shift)&511]
		if e&PTE_P == 0 || e&PTE_PS != 0 {
			return (va | (1<<shift - 1)) + 1
		}
		t = pt(e & pteAddr)
	}
	return va + PageSize
}

// mapPage maps the 4 KiB page at va to the frame pa. Callers hold space.lock.
func mapPage(va uintptr, pa uint64, flags uint64) bool {
	e := walk(va, true)
	if e == nil {
		return false
	}
	*e = pa | flags | PTE_P
	amd64.Invlpg(va)
	return true
}

// unmapPage removes the mapping of va and returns the frame it named,
// present or kept behind a PROT_NONE entry. Callers hold space.lock.
func unmapPage(va uintptr) (uint64, bool) {
	e := walk(va, false)
	if e == nil || *e&(PTE_P|pteProtNone) == 0 {
		return 0, false
	}
	pa := *e & pteAddr
	*e = 0
	amd64.Invlpg(va)
	return pa, true
}

// Translate returns the physical address va maps to, if it is mapped.
func Translate(va uintptr) (uint64, bool) {
	fl := space.lock.Lock()
	pa, ok := translate(va)
	space.lock.Unlock(fl)
	return pa, ok
}

func translate(va uintptr) (uint64, bool) {
	t := pt(BootPML4)
	for level := 3; level >= 0; level-- {
		e := t[(uint64(va)>>(12+9*uint(level)))&511]
		if e&PTE_P == 0 {
			return 0, false
		}
		if level == 0 || e&PTE_PS != 0 {
			size := uint64(1) << (12 + 9*uint(level))
			return e&pteAddr&^(size-1) | uint64(va)&(size-1), true
		}
		t = pt(e & pteAddr)
	}
	return 0, false
}

// ExtendIdentityMap identity-maps [4 GiB, top) with 2 MiB pages, for RAM
// beyond what the boot code mapped.
func ExtendIdentityMap(top uint64) bool {
	pdpt := pt(pt(BootPML4)[0] & pteAddr)
	for gb := uint64(4); gb < (top+(1<<30)-1)>>30 && gb < 512; gb++ {
		if pdpt[gb]&PTE_P != 0 {
			continue
		}
		f := AllocFrame()
		if f == 0 {
			return false
		}
		pd := pt(f)
		for i := range pd {
			pd[i] = gb<<30 | uint64(i)<<21 | PTE_P | PTE_W | PTE_PS
		}
		pdpt[gb] = f | PTE_P | PTE_W
	}
	amd64.WriteCR3(amd64.ReadCR3())
	return true
}

// MarkUncached sets PCD on the 2 MiB identity pages covering [start, end),
// for MMIO (the local and I/O APIC) (SDM Vol. 3A, 12.12.3).
func MarkUncached(start, end uint64) {
	pdpt := pt(pt(BootPML4)[0] & pteAddr)
	for a := start &^ (2<<20 - 1); a < end; a += 2 << 20 {
		pd := pt(pdpt[a>>30] & pteAddr)
		pd[(a>>21)&511] |= PTE_PCD | PTE_PWT
		amd64.Invlpg(uintptr(a))
	}
}
