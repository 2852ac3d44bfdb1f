package mbimage_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"strings"
	"testing"

	"gopreempt/internal/mbimage"
	"gopreempt/internal/mbimage/mbtest"
)

func TestHeaderEncoding(t *testing.T) {
	info := mbimage.Info{HeaderAddr: 0x3fe000, LoadAddr: 0x3fe000, LoadEndAddr: 0x500123, BssEndAddr: 0x600000, EntryAddr: 0x400010}
	h := info.Header()
	if len(h) != mbimage.HeaderSize {
		t.Fatalf("header is %d bytes, want %d", len(h), mbimage.HeaderSize)
	}
	le := binary.LittleEndian
	// 0xE4514FFB = 2^32 - (0x1BADB002 + 0x00010003).
	want := []uint32{0x1BADB002, 0x00010003, 0xE4514FFB, 0x3fe000, 0x3fe000, 0x500123, 0x600000, 0x400010, 0, 0, 0, 0}
	for i, w := range want {
		if got := le.Uint32(h[4*i:]); got != w {
			t.Errorf("header word %d = %#x, want %#x", i, got, w)
		}
	}
	if sum := h32(h, 0) + h32(h, 1) + h32(h, 2); sum != 0 {
		t.Errorf("magic+flags+checksum = %#x, want 0 mod 2^32", sum)
	}
	if mbimage.Checksum(mbimage.Flags) != 0xE4514FFB {
		t.Errorf("mbimage.Checksum(mbimage.Flags) = %#x, want 0xE4514FFB", mbimage.Checksum(mbimage.Flags))
	}
}

func h32(b []byte, i int) uint32 { return binary.LittleEndian.Uint32(b[4*i:]) }

func TestConvertPlacesSegments(t *testing.T) {
	text := pattern(1, 0x1234)
	data := pattern(2, 0x100)
	path := writeELF(t, 0x400010,
		mbtest.Segment{Type: elf.PT_NOTE, Vaddr: 0x400000, Paddr: 0x400000, Memsz: 4, Data: []byte{9, 9, 9, 9}},
		mbtest.LoadBSS(0x402000, 0x3000, data), // out of order on purpose
		mbtest.LoadBSS(0x400000, uint64(len(text)), text),
		mbtest.LoadBSS(0x800000, 0, nil), // empty PT_LOAD: ignored
	)
	img, info, err := mbimage.Convert(path)
	if err != nil {
		t.Fatal(err)
	}
	want := mbimage.Info{
		HeaderAddr:  0x3ff000,
		LoadAddr:    0x3ff000,
		LoadEndAddr: 0x402100, // last file byte of the data segment
		BssEndAddr:  0x405000, // data memsz
		EntryAddr:   0x400010,
	}
	if info != want {
		t.Fatalf("info = %+v\nwant   %+v", info, want)
	}
	if got := len(img); got != int(want.LoadEndAddr-want.LoadAddr) {
		t.Fatalf("image is %#x bytes, want %#x", got, want.LoadEndAddr-want.LoadAddr)
	}
	off, flags, hdr := findHeader(t, img)
	if off != 0 || flags != mbimage.Flags || hdr != want {
		t.Errorf("loader would see header at %d flags %#x %+v", off, flags, hdr)
	}
	at := func(addr uint64, n int) []byte { return img[addr-0x3ff000:][:n] }
	if !bytes.Equal(at(0x400000, len(text)), text) {
		t.Error("text segment not at its physical address")
	}
	if !bytes.Equal(at(0x402000, len(data)), data) {
		t.Error("data segment not at its physical address")
	}
	if !allZero(img[mbimage.HeaderSize:0x1000]) {
		t.Error("header page not zero after the header")
	}
	if !allZero(at(0x400000+uint64(len(text)), 0x402000-0x400000-len(text))) {
		t.Error("gap between segments not zero")
	}
}

func TestConvertUnalignedAndBSSOnly(t *testing.T) {
	text := pattern(3, 0x20)
	path := writeELF(t, 0x200123,
		mbtest.LoadBSS(0x200123, 0x20, text),
		mbtest.LoadBSS(0x300000, 0x5000, nil), // pure bss above the last file byte
	)
	img, info, err := mbimage.Convert(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.LoadAddr != 0x1ff000 || info.LoadEndAddr != 0x200143 || info.BssEndAddr != 0x305000 || info.EntryAddr != 0x200123 {
		t.Fatalf("info = %+v", info)
	}
	if !bytes.Equal(img[0x1123:], text) {
		t.Error("unaligned segment misplaced")
	}
}

// TestConvertTranslatesEntry covers a higher-half link, where p_vaddr and
// p_paddr differ: the loader needs the physical entry address.
func TestConvertTranslatesEntry(t *testing.T) {
	code := pattern(4, 0x100)
	path := writeELF(t, 0xffffffff80100040,
		mbtest.Segment{Type: elf.PT_LOAD, Vaddr: 0xffffffff80100000, Paddr: 0x200000, Memsz: 0x100, Data: code})
	_, info, err := mbimage.Convert(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.EntryAddr != 0x200040 {
		t.Errorf("entry = %#x, want 0x200040", info.EntryAddr)
	}
}

func TestConvertRejects(t *testing.T) {
	b := pattern(5, 0x10)
	cases := []struct {
		name string
		path func(t *testing.T) string
		want string
	}{
		{"not ELF", func(t *testing.T) string { return writeFile(t, []byte("#!/bin/sh\necho hi\n")) }, "bad magic"},
		{"ELF32", func(t *testing.T) string { return writeELF32(t) }, "not an x86-64 ELF64"},
		{"wrong machine", func(t *testing.T) string {
			return writeFile(t, mbtest.ELF(elf.EM_AARCH64, 0x400000, mbtest.Load(0x400000, b)))
		}, "not an x86-64 ELF64"},
		{"no PT_LOAD", func(t *testing.T) string {
			return writeELF(t, 0x400000, mbtest.Segment{Type: elf.PT_NOTE, Vaddr: 0x400000, Paddr: 0x400000, Memsz: 0x10, Data: b})
		}, "no PT_LOAD"},
		{"below 1 MiB", func(t *testing.T) string {
			return writeELF(t, 0x80000, mbtest.LoadBSS(0x80000, 0x10, b))
		}, "below 1 MiB"},
		{"header page below 1 MiB", func(t *testing.T) string {
			return writeELF(t, 0x100000, mbtest.LoadBSS(0x100000, 0x10, b))
		}, "no room for the header"},
		{"crosses 4 GiB", func(t *testing.T) string {
			return writeELF(t, 0xfffff000, mbtest.LoadBSS(0xfffff000, 0x2000, b))
		}, "4 GiB"},
		{"ends exactly at 4 GiB", func(t *testing.T) string {
			return writeELF(t, 0xfffff000, mbtest.LoadBSS(0xfffff000, 0x1000, b))
		}, "4 GiB"},
		{"above 4 GiB", func(t *testing.T) string {
			return writeELF(t, 0x100000000, mbtest.LoadBSS(0x100000000, 0x10, b))
		}, "4 GiB"},
		{"overlap", func(t *testing.T) string {
			return writeELF(t, 0x400000, mbtest.LoadBSS(0x400000, 0x2000, b), mbtest.LoadBSS(0x401000, 0x10, b))
		}, "overlap"},
		{"entry in bss", func(t *testing.T) string {
			return writeELF(t, 0x400800, mbtest.LoadBSS(0x400000, 0x1000, b))
		}, "entry point 0x400800"},
		{"entry outside", func(t *testing.T) string {
			return writeELF(t, 0x500000, mbtest.LoadBSS(0x400000, 0x10, b))
		}, "entry point 0x500000"},
		{"filesz > memsz", func(t *testing.T) string {
			return writeELF(t, 0x400000, mbtest.LoadBSS(0x400000, 0x8, b))
		}, "exceeds memory size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img, _, err := mbimage.Convert(c.path(t))
			if err == nil {
				t.Fatalf("mbimage.Convert succeeded (%d bytes), want error containing %q", len(img), c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

// writeELF32 writes a valid-looking 32-bit i386 ELF header with no program
// headers; mbimage.Convert must refuse it before looking further.
func writeELF32(t *testing.T) string {
	var ident [elf.EI_NIDENT]byte
	copy(ident[:], elf.ELFMAG)
	ident[elf.EI_CLASS] = byte(elf.ELFCLASS32)
	ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, elf.Header32{
		Ident:     ident,
		Type:      uint16(elf.ET_EXEC),
		Machine:   uint16(elf.EM_386),
		Version:   uint32(elf.EV_CURRENT),
		Entry:     0x100000,
		Ehsize:    52,
		Phentsize: 32,
		Shentsize: 40,
	}); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, buf.Bytes())
}

func TestInfoString(t *testing.T) {
	s := mbimage.Info{HeaderAddr: 0x3fe000, LoadAddr: 0x3fe000, LoadEndAddr: 0x51c100, BssEndAddr: 0x559000, EntryAddr: 0x477900}.String()
	for _, want := range []string{
		"header_addr   0x003fe000",
		"load_end_addr 0x0051c100",
		"bss_end_addr  0x00559000",
		"entry_addr    0x00477900",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("String() = %q, missing %q", s, want)
		}
	}
}
