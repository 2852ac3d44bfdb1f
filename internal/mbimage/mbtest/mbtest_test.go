package mbtest

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"testing"

	"gopreempt/internal/mbimage"
)

func TestImageHeader(t *testing.T) {
	code := Exit(42)
	img := Image(code)
	le := binary.LittleEndian
	w := func(i int) uint32 { return le.Uint32(img[4*i:]) }
	if w(0) != mbimage.Magic || w(1) != mbimage.Flags || w(0)+w(1)+w(2) != 0 {
		t.Fatalf("bad magic/flags/checksum %#x %#x %#x", w(0), w(1), w(2))
	}
	end := uint32(CodeAddr + len(code))
	if w(3) != LoadAddr || w(4) != LoadAddr || w(5) != end || w(6) != end || w(7) != CodeAddr {
		t.Errorf("addresses %#x %#x %#x %#x %#x", w(3), w(4), w(5), w(6), w(7))
	}
	if !bytes.Equal(img[mbimage.HeaderSize:], code) {
		t.Error("code does not follow the header")
	}
}

func TestExitEncoding(t *testing.T) {
	// mov al, 42; out 0xf4, al; then the halt loop.
	want := []byte{0xb0, 42, 0xe6, 0xf4, 0xfa, 0xf4, 0xeb, 0xfd}
	if got := Exit(42); !bytes.Equal(got, want) {
		t.Errorf("Exit(42) = % x, want % x", got, want)
	}
}

func TestTripleFaultPointsAtZeroIDTR(t *testing.T) {
	code := TripleFault()
	// cli; lidt [disp32]
	if code[0] != 0xfa || !bytes.Equal(code[1:4], []byte{0x0f, 0x01, 0x1d}) {
		t.Fatalf("unexpected prologue % x", code[:8])
	}
	disp := binary.LittleEndian.Uint32(code[4:8])
	off := int(disp) - CodeAddr
	if off < 0 || off+6 != len(code) || !bytes.Equal(code[off:], make([]byte, 6)) {
		t.Errorf("lidt operand %#x is not the 6 zero bytes at the end (code % x)", disp, code)
	}
}

func TestELFParses(t *testing.T) {
	text := []byte{1, 2, 3, 4}
	b := ELF(elf.EM_X86_64, 0x200002,
		Load(0x200000, text),
		LoadBSS(0x300000, 0x2000, []byte{5}),
	)
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 || f.Entry != 0x200002 || len(f.Progs) != 2 {
		t.Fatalf("header: class %v machine %v entry %#x progs %d", f.Class, f.Machine, f.Entry, len(f.Progs))
	}
	p := f.Progs[1]
	data, _ := io.ReadAll(p.Open())
	if p.Type != elf.PT_LOAD || p.Paddr != 0x300000 || p.Filesz != 1 || p.Memsz != 0x2000 || !bytes.Equal(data, []byte{5}) {
		t.Errorf("second segment %+v data % x", p.ProgHeader, data)
	}
}
