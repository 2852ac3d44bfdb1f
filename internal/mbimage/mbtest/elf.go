package mbtest

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

// Segment is one program header of a synthetic ELF. Data is the
// segment's file contents; its length is p_filesz.
type Segment struct {
	Type         elf.ProgType
	Vaddr, Paddr uint64
	Memsz        uint64
	Data         []byte
}

// Load is a PT_LOAD whose physical and virtual addresses agree, as the Go
// linker emits them, with no bss.
func Load(addr uint64, data []byte) Segment {
	return LoadBSS(addr, uint64(len(data)), data)
}

// LoadBSS is a PT_LOAD of memsz bytes whose first len(data) come from the
// file.
func LoadBSS(addr, memsz uint64, data []byte) Segment {
	return Segment{Type: elf.PT_LOAD, Vaddr: addr, Paddr: addr, Memsz: memsz, Data: data}
}

// ELF returns a minimal little-endian ELF64 executable: the file header,
// the program headers, then each segment's bytes back to back. It has no
// sections, which is all a loader looks at and lets tests describe
// layouts the Go linker would never produce.
func ELF(machine elf.Machine, entry uint64, segs ...Segment) []byte {
	const ehsize, phentsize = 64, 56
	var ident [elf.EI_NIDENT]byte
	copy(ident[:], elf.ELFMAG)
	ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)

	var buf bytes.Buffer
	put := func(v any) {
		// Writing fixed-size structs to a bytes.Buffer cannot fail.
		if err := binary.Write(&buf, binary.LittleEndian, v); err != nil {
			panic(err)
		}
	}
	put(elf.Header64{
		Ident:     ident,
		Type:      uint16(elf.ET_EXEC),
		Machine:   uint16(machine),
		Version:   uint32(elf.EV_CURRENT),
		Entry:     entry,
		Phoff:     ehsize,
		Ehsize:    ehsize,
		Phentsize: phentsize,
		Phnum:     uint16(len(segs)),
		Shentsize: 64,
	})
	off := uint64(ehsize + phentsize*len(segs))
	for _, s := range segs {
		put(elf.Prog64{
			Type:   uint32(s.Type),
			Flags:  uint32(elf.PF_R | elf.PF_X),
			Off:    off,
			Vaddr:  s.Vaddr,
			Paddr:  s.Paddr,
			Filesz: uint64(len(s.Data)),
			Memsz:  s.Memsz,
			Align:  0x1000,
		})
		off += uint64(len(s.Data))
	}
	for _, s := range segs {
		buf.Write(s.Data)
	}
	return buf.Bytes()
}
