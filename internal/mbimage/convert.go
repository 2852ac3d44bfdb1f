package mbimage

import (
	"debug/elf"
	"fmt"
	"io"
)

// Convert reads the ELF executable at elfPath and returns the flat
// Multiboot image that boots it, along with the header's addresses.
//
// The image's byte 0 is loaded at Info.LoadAddr, one page below the lowest
// PT_LOAD segment's page, and holds the Multiboot header. Every PT_LOAD
// segment's file bytes follow at their physical addresses; the loader
// zeroes everything from LoadEndAddr to BssEndAddr.
func Convert(elfPath string) (img []byte, info Info, err error) {
	f, err := elf.Open(elfPath)
	if err != nil {
		return nil, Info{}, fmt.Errorf("mbimage: %s: %w", elfPath, err)
	}
	defer f.Close()
	img, info, err = convertELF(f)
	if err != nil {
		return nil, Info{}, fmt.Errorf("mbimage: %s: %w", elfPath, err)
	}
	return img, info, nil
}

func convertELF(f *elf.File) ([]byte, Info, error) {
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 {
		return nil, Info{}, fmt.Errorf("not an x86-64 ELF64 file (class %v, machine %v)", f.Class, f.Machine)
	}
	var segs []segment
	for _, p := range f.Progs {
		// Empty PT_LOADs occupy nothing; skip them rather than let them
		// trip the address checks.
		if p.Type != elf.PT_LOAD || p.Memsz == 0 {
			continue
		}
		segs = append(segs, segment{
			paddr:  p.Paddr,
			vaddr:  p.Vaddr,
			filesz: p.Filesz,
			memsz:  p.Memsz,
			read: func(dst []byte) error {
				_, err := io.ReadFull(p.Open(), dst)
				return err
			},
		})
	}
	info, err := layout(f.Entry, segs)
	if err != nil {
		return nil, Info{}, err
	}
	img, err := assemble(info, segs)
	if err != nil {
		return nil, Info{}, err
	}
	return img, info, nil
}
