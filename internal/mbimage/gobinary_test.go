package mbimage_test

import (
	"bytes"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"gopreempt/internal/mbimage"
)

// TestConvertGoBinary converts a real Go executable linked the way the
// kernel is (-T=0x400000), so the test follows whatever segment layout the
// current Go linker produces rather than what we assume it produces.
func TestConvertGoBinary(t *testing.T) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found on PATH")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nfunc main() { println(\"hello\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "hello.elf")
	cmd := exec.Command(gocmd, "build", "-o", bin, "-ldflags=-T=0x400000", src)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	img, info, err := mbimage.Convert(bin)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	lo := ^uint64(0)
	var loadEnd, bssEnd uint64
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		lo = min(lo, p.Paddr&^(mbimage.PageSize-1))
		loadEnd = max(loadEnd, p.Paddr+p.Filesz)
		bssEnd = max(bssEnd, p.Paddr+p.Memsz)
	}
	want := mbimage.Info{
		HeaderAddr:  uint32(lo - mbimage.PageSize),
		LoadAddr:    uint32(lo - mbimage.PageSize),
		LoadEndAddr: uint32(loadEnd),
		BssEndAddr:  uint32(bssEnd),
		EntryAddr:   uint32(f.Entry),
	}
	if info != want {
		t.Fatalf("info = %+v\nwant   %+v", info, want)
	}
	// With -T=0x400000 the linker puts the ELF headers in the page below
	// .text, so the image starts at 0x3fe000. If this changes, the kernel's
	// memory map assumptions need a look too.
	if info.LoadAddr != 0x3fe000 {
		t.Errorf("load address %#x, expected 0x3fe000 for -T=0x400000", info.LoadAddr)
	}
	if off, flags, hdr := findHeader(t, img); off != 0 || flags != mbimage.Flags || hdr != want {
		t.Errorf("loader would see header at %d flags %#x %+v", off, flags, hdr)
	}
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		seg, err := io.ReadAll(p.Open())
		if err != nil {
			t.Fatal(err)
		}
		off := p.Paddr - uint64(info.LoadAddr)
		if !bytes.Equal(img[off:off+p.Filesz], seg) {
			t.Errorf("segment at %#x not copied to image offset %#x", p.Paddr, off)
		}
	}
	// The entry point's bytes must be the entry function's first bytes.
	text := f.Section(".text")
	code, err := text.Data()
	if err != nil {
		t.Fatal(err)
	}
	e := f.Entry - text.Addr
	if !bytes.Equal(img[f.Entry-uint64(info.LoadAddr):][:16], code[e:e+16]) {
		t.Error("bytes at entry_addr differ from the ELF's entry code")
	}
}
