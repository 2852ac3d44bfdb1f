package mbimage

import (
	"errors"
	"fmt"
	"sort"
)

// segment is one PT_LOAD program header, reduced to what the layout needs.
type segment struct {
	paddr, vaddr  uint64
	filesz, memsz uint64
	// read fills dst (filesz bytes) with the segment's file contents.
	read func(dst []byte) error
}

func (s segment) end() uint64     { return s.paddr + s.memsz }
func (s segment) fileEnd() uint64 { return s.paddr + s.filesz }

// layout checks the segments and works out the Multiboot addresses.
//
// The image starts one page below the lowest segment's page so that the
// header can sit at file offset 0, comfortably inside the loader's 8 KiB
// search window, without overlapping anything the kernel linked there.
// Segments are placed at their physical addresses (p_paddr): Multiboot
// loads and jumps with paging off, so physical is what the loader honours.
// layout sorts segs by address.
func layout(entry uint64, segs []segment) (Info, error) {
	if len(segs) == 0 {
		return Info{}, errors.New("no PT_LOAD segments")
	}
	for _, s := range segs {
		if s.filesz > s.memsz {
			return Info{}, fmt.Errorf("segment at %#x: file size %#x exceeds memory size %#x", s.paddr, s.filesz, s.memsz)
		}
		if s.paddr < MinAddr {
			return Info{}, fmt.Errorf("segment at %#x is below 1 MiB (%#x)", s.paddr, MinAddr)
		}
		// Compare without computing paddr+memsz first: it could wrap.
		if s.paddr >= maxAddr || s.memsz > maxAddr-s.paddr-1 {
			return Info{}, fmt.Errorf("segment [%#x, %#x+%#x) reaches 4 GiB; Multiboot v1 addresses are 32-bit", s.paddr, s.paddr, s.memsz)
		}
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].paddr < segs[j].paddr })
	for i := 1; i < len(segs); i++ {
		a, b := segs[i-1], segs[i]
		if a.end() > b.paddr {
			return Info{}, fmt.Errorf("segments [%#x, %#x) and [%#x, %#x) overlap", a.paddr, a.end(), b.paddr, b.end())
		}
	}

	lo := segs[0].paddr &^ (PageSize - 1)
	if lo < MinAddr+PageSize {
		return Info{}, fmt.Errorf("lowest segment page %#x leaves no room for the header page above 1 MiB", lo)
	}
	base := lo - PageSize

	// The header page itself is file-backed, so the file part of the
	// image never ends before lo even if every segment is pure bss.
	loadEnd, bssEnd := lo, lo
	for _, s := range segs {
		if s.filesz > 0 {
			loadEnd = max(loadEnd, s.fileEnd())
		}
		bssEnd = max(bssEnd, s.end())
	}

	// The loader jumps to a physical address in 32-bit mode, so the entry
	// point must be code that the image actually carries. Translate it
	// through its segment in case p_paddr and p_vaddr ever differ.
	phys, ok := entryPhys(entry, segs)
	if !ok {
		return Info{}, fmt.Errorf("entry point %#x is outside the file-backed part of every PT_LOAD segment", entry)
	}

	return Info{
		HeaderAddr:  uint32(base),
		LoadAddr:    uint32(base),
		LoadEndAddr: uint32(loadEnd),
		BssEndAddr:  uint32(bssEnd),
		EntryAddr:   uint32(phys),
	}, nil
}

// entryPhys maps the ELF entry point (a virtual address) to the physical
// address of the same byte.
func entryPhys(entry uint64, segs []segment) (uint64, bool) {
	for _, s := range segs {
		if entry >= s.vaddr && entry-s.vaddr < s.filesz {
			return s.paddr + (entry - s.vaddr), true
		}
	}
	return 0, false
}

// assemble builds the image bytes for a layout: header at offset 0, each
// segment's file bytes at paddr-LoadAddr, zeros everywhere else (gaps
// between segments and the bss tails of all but the last segment).
func assemble(info Info, segs []segment) ([]byte, error) {
	img := make([]byte, info.LoadEndAddr-info.LoadAddr)
	copy(img, info.Header())
	for _, s := range segs {
		if s.filesz == 0 {
			continue
		}
		off := s.paddr - uint64(info.LoadAddr)
		if err := s.read(img[off : off+s.filesz]); err != nil {
			return nil, fmt.Errorf("reading segment at %#x: %w", s.paddr, err)
		}
	}
	return img, nil
}
