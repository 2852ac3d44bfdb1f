package main

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

func image(t *testing.T) vdsoImage {
	t.Helper()
	img, err := buildImage()
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// The committed vdso/image.go is what the generator writes now.
func TestImageUpToDate(t *testing.T) {
	want, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "vdso", "image.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("vdso/image.go is not what cmd/mkvdso generates: run go generate ./vdso")
	}
}

// Every instruction disassembles to its annotation, with labels and
// data-page fields named, and the lengths agree.
func TestCodeIsWhatTheAnnotationsSay(t *testing.T) {
	img := image(t)
	const base = 0x10000 // any address with room below for the data page
	names := map[uint64]string{}
	for l, off := range img.text.labels {
		names[uint64(base+img.textOff+off)] = l
	}
	for f, off := range vvarFields {
		names[uint64(base-pageSize+off)] = f
	}
	// x86asm keeps a RIP-relative disp32 without its sign, so an
	// operand below the instruction arrives 4 GiB too high.
	symname := func(a uint64) (string, uint64) {
		for _, addr := range []uint64{a, a - 1<<32} {
			if n, ok := names[addr]; ok {
				return n, a
			}
		}
		return "", 0
	}
	for i, in := range img.text.insns {
		start := img.text.starts[i]
		inst, err := x86asm.Decode(img.text.code[start:], 64)
		if err != nil {
			t.Errorf("%#x %q: %v", start, in.asm, err)
			continue
		}
		if inst.Len != len(in.code) {
			t.Errorf("%#x %q: decodes as %d bytes, written as %d", start, in.asm, inst.Len, len(in.code))
		}
		pc := uint64(base + img.textOff + start)
		if got := x86asm.IntelSyntax(inst, pc, symname); got != in.asm {
			t.Errorf("%#x: annotated %q, the bytes are %q", start, in.asm, got)
		}
	}
}

// The functions touch no callee-saved register (RBX, RBP, R12-R15 in
// the C ABI; R14 is the Go runtime's g) and no XMM register, and use no
// stack but do_hres's return address.
func TestCodeKeepsTheCallersRegisters(t *testing.T) {
	img := image(t)
	forbidden := []string{"rbx", "ebx", "rbp", "ebp", "rsp", "esp", "r12", "r13", "r14", "r15", "xmm", "push", "pop"}
	for i := range img.text.insns {
		inst, _ := x86asm.Decode(img.text.code[img.text.starts[i]:], 64)
		s := x86asm.IntelSyntax(inst, 0, nil)
		for _, f := range forbidden {
			if strings.Contains(s, f) {
				t.Errorf("%q uses %s", s, f)
			}
		}
	}
}

// The runtime's constants for the names it looks up (runtime/
// vdso_linux_amd64.go) are the ELF hashes this image is built with.
func TestELFHashMatchesTheRuntimes(t *testing.T) {
	for name, h := range map[string]uint32{
		"LINUX_2.6":            0x3ae75f6,
		"__vdso_gettimeofday":  0x315ca59,
		"__vdso_clock_gettime": 0xd35ec75,
		"__vdso_getrandom":     0x25425d,
	} {
		if got := elfHash(name); got != h {
			t.Errorf("elfHash(%q) = %#x, the runtime has %#x", name, got, h)
		}
	}
}

// runtimeLookup finds a symbol the way runtime/vdso_linux.go does
// (vdsoInitFromSysinfoEhdr, vdsoFindVersion, vdsoParseSymbols), from
// the bytes alone: first PT_LOAD, PT_DYNAMIC, the DT_ entries, the
// LINUX_2.6 version definition, then the DT_HASH bucket and chain.
func runtimeLookup(t *testing.T, b []byte, name string) (uint64, bool) {
	le := binary.LittleEndian
	phoff := le.Uint64(b[32:])
	phnum := le.Uint16(b[56:])
	var loadOff, dyn uint64
	var foundLoad, foundDyn bool
	for i := uint64(0); i < uint64(phnum); i++ {
		p := b[phoff+i*56:]
		switch le.Uint32(p) {
		case ptLoad:
			if !foundLoad {
				foundLoad = true
				loadOff = le.Uint64(p[8:]) - le.Uint64(p[16:])
			}
		case ptDynamic:
			foundDyn = true
			dyn = le.Uint64(p[8:])
		}
	}
	if !foundLoad || !foundDyn {
		t.Fatal("no PT_LOAD or no PT_DYNAMIC")
	}
	var strtab, symtab, hash, versym, verdef uint64
	for d := dyn; ; d += 16 {
		tag, val := le.Uint64(b[d:]), le.Uint64(b[d+8:])+loadOff
		if tag == dtNull {
			break
		}
		switch tag {
		case dtStrtab:
			strtab = val
		case dtSymtab:
			symtab = val
		case dtHash:
			hash = val
		case dtVersym:
			versym = val
		case dtVerdef:
			verdef = val
		}
	}
	if strtab == 0 || symtab == 0 || hash == 0 || versym == 0 || verdef == 0 {
		t.Fatalf("dynamic section: strtab %#x symtab %#x hash %#x versym %#x verdef %#x", strtab, symtab, hash, versym, verdef)
	}
	str := func(off uint32) string {
		s := b[strtab+uint64(off):]
		return string(s[:bytes.IndexByte(s, 0)])
	}
	version := int32(-1)
	for def := verdef; ; {
		flags, ndx, vhash := le.Uint16(b[def+2:]), le.Uint16(b[def+4:]), le.Uint32(b[def+8:])
		aux := def + uint64(le.Uint32(b[def+12:]))
		if flags&1 == 0 && vhash == 0x3ae75f6 && str(le.Uint32(b[aux:])) == "LINUX_2.6" {
			version = int32(ndx & 0x7fff)
			break
		}
		next := le.Uint32(b[def+16:])
		if next == 0 {
			break
		}
		def += uint64(next)
	}
	if version <= 0 {
		t.Fatal("no LINUX_2.6 version definition")
	}
	nbucket := le.Uint32(b[hash:])
	bucket := func(i uint32) uint32 { return le.Uint32(b[hash+8+4*uint64(i):]) }
	chain := func(i uint32) uint32 { return le.Uint32(b[hash+8+4*uint64(nbucket)+4*uint64(i):]) }
	for i := bucket(elfHash(name) % nbucket); i != 0; i = chain(i) {
		s := b[symtab+uint64(i)*symSize:]
		typ, bind, shndx := s[4]&0xf, s[4]>>4, le.Uint16(s[6:])
		if typ != sttFunc || bind != stbGlobal && bind != stbWeak || shndx == 0 {
			continue
		}
		if str(le.Uint32(s)) != name {
			continue
		}
		if int32(le.Uint16(b[versym+2*uint64(i):])&0x7fff) != version {
			continue
		}
		return loadOff + le.Uint64(s[8:]), true
	}
	return 0, false
}

func TestRuntimeFindsTheFunctions(t *testing.T) {
	img := image(t)
	for _, f := range functions {
		for _, name := range []string{"__vdso_" + f, f} {
			addr, ok := runtimeLookup(t, img.bytes, name)
			if !ok {
				t.Errorf("%s: not found the runtime's way", name)
				continue
			}
			if want := uint64(img.textOff + img.text.labels[f]); addr != want {
				t.Errorf("%s at %#x, its code is at %#x", name, addr, want)
			}
		}
	}
	if _, ok := runtimeLookup(t, img.bytes, "__vdso_getrandom"); ok {
		t.Error("__vdso_getrandom found, but the image has no such function")
	}
}

// debug/elf reads the image as a shared object: program headers,
// dynamic section, versioned dynamic symbols.
func TestDebugELFReadsTheImage(t *testing.T) {
	img := image(t)
	f, err := elf.NewFile(bytes.NewReader(img.bytes))
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != elf.ET_DYN || f.Machine != elf.EM_X86_64 || f.Class != elf.ELFCLASS64 {
		t.Errorf("type %v machine %v class %v", f.Type, f.Machine, f.Class)
	}
	if len(f.Progs) != 2 || f.Progs[0].Type != elf.PT_LOAD || f.Progs[0].Flags != elf.PF_R|elf.PF_X ||
		f.Progs[0].Vaddr != 0 || f.Progs[0].Filesz != uint64(len(img.bytes)) || f.Progs[1].Type != elf.PT_DYNAMIC {
		t.Errorf("program headers: %+v", f.Progs)
	}
	if so, err := f.DynString(elf.DT_SONAME); err != nil || len(so) != 1 || so[0] != soname {
		t.Errorf("DT_SONAME %q, %v", so, err)
	}
	for _, tag := range []elf.DynTag{elf.DT_HASH, elf.DT_STRTAB, elf.DT_SYMTAB, elf.DT_VERSYM, elf.DT_VERDEF} {
		if v, err := f.DynValue(tag); err != nil || len(v) != 1 {
			t.Errorf("%v: %v, %v", tag, v, err)
		}
	}
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	if len(syms) != 2*len(functions) {
		t.Errorf("%d dynamic symbols, want %d", len(syms), 2*len(functions))
	}
	text := f.Section(".text")
	for _, s := range syms {
		bind := elf.ST_BIND(s.Info)
		wantBind := elf.STB_WEAK
		if strings.HasPrefix(s.Name, "__vdso_") {
			wantBind = elf.STB_GLOBAL
		}
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC || bind != wantBind || s.Version != "LINUX_2.6" ||
			f.Sections[s.Section] != text || s.Value < text.Addr || s.Value+s.Size > text.Addr+text.Size || s.Size == 0 {
			t.Errorf("symbol %s: type %v bind %v version %q section %v value %#x size %d",
				s.Name, elf.ST_TYPE(s.Info), bind, s.Version, s.Section, s.Value, s.Size)
		}
	}
}

// Bad usage gets the usage text and status 2.
func TestUsage(t *testing.T) {
	var stderr bytes.Buffer
	if got := run(nil, &stderr); got != 2 || !strings.Contains(stderr.String(), "usage: mkvdso") {
		t.Errorf("run() = %d, %q", got, stderr.String())
	}
}
