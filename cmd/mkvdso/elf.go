package main

import (
	"encoding/binary"
	"fmt"
)

// The ELF shared object around the code: only what a dynamic-symbol
// lookup reads, in the layout Linux's vDSO has (one PT_LOAD segment
// holding the whole file from address 0, and a PT_DYNAMIC segment).
// The Go runtime's parser (runtime/vdso_linux.go) needs, in this order:
//
//   - the first PT_LOAD, whose p_offset - p_vaddr gives the load offset;
//   - PT_DYNAMIC, with DT_STRTAB, DT_SYMTAB and DT_HASH (or
//     DT_GNU_HASH), and DT_VERSYM with DT_VERDEF for versions;
//   - a version definition named LINUX_2.6 whose vd_hash is the ELF
//     hash of the name, and every symbol it takes tagged with that
//     version's index in .gnu.version;
//   - symbols of type STT_FUNC, bound GLOBAL or WEAK, with a section
//     index other than SHN_UNDEF, found through the hash table's chains.
//
// Section headers are not read by the runtime; they are here so that
// readelf, objdump and debug/elf can read the image too. The System V
// gABI ("Dynamic Section", "Hash Table") and the LSB's symbol
// versioning chapter define the structures.

const (
	soname  = "linux-vdso.so.1" // the base version's name, as on Linux
	version = "LINUX_2.6"       // the runtime looks for exactly this

	pageSize = 4096

	ehdrSize  = 64
	phdrSize  = 56
	shdrSize  = 64
	symSize   = 24
	dynSize   = 16
	verdefLen = 20 // Elf64_Verdef
	verauxLen = 8  // Elf64_Verdaux

	verBase    = 1 // version index of the file itself (VER_FLG_BASE)
	verLinux26 = 2 // version index of LINUX_2.6
)

// ELF constants (the gABI; Linux's include/uapi/linux/elf.h).
const (
	etDyn      = 3
	emX86_64   = 62
	ptLoad     = 1
	ptDynamic  = 2
	pfX        = 1
	pfR        = 4
	shtProgbit = 1
	shtStrtab  = 3
	shtHash    = 5
	shtDynamic = 6
	shtDynsym  = 11
	shtVerdef  = 0x6ffffffd
	shtVersym  = 0x6fffffff
	shfAlloc   = 2
	shfExec    = 4
	stbGlobal  = 1
	stbWeak    = 2
	sttFunc    = 2
	dtNull     = 0
	dtHash     = 4
	dtStrtab   = 5
	dtSymtab   = 6
	dtStrsz    = 10
	dtSyment   = 11
	dtSoname   = 14
	dtVersym   = 0x6ffffff0
	dtVerdef   = 0x6ffffffc
	dtVerdefnm = 0x6ffffffd
)

// elfHash is the System V ELF hash (gABI, "Hash Table").
func elfHash(name string) uint32 {
	var h uint32
	for i := 0; i < len(name); i++ {
		h = h<<4 + uint32(name[i])
		g := h & 0xf0000000
		if g != 0 {
			h ^= g >> 24
		}
		h &^= g
	}
	return h
}

// strtab collects NUL-terminated strings; offset 0 is the empty string.
type strtab struct{ b []byte }

func (s *strtab) add(name string) uint32 {
	if s.b == nil {
		s.b = []byte{0}
	}
	off := uint32(len(s.b))
	s.b = append(append(s.b, name...), 0)
	return off
}

// vdsoImage is the generated object: its bytes and the offsets (from the
// start of the image) of each exported function.
type vdsoImage struct {
	bytes   []byte
	symbols map[string]int // "__vdso_clock_gettime" -> offset
	text    assembled
	textOff int
}

type section struct {
	name           string
	typ            uint32
	flags          uint64
	off, size      int
	info           uint32
	align, entsize uint64
	nameOff        uint32
	linkName       string // the section sh_link names
}

// funcSize is the length of an exported function's code: up to the
// next function in prog, or to do_hres, which follows the last.
func funcSize(text assembled, label string) int {
	end := text.labels["do_hres"]
	for i, f := range functions {
		if f == label && i+1 < len(functions) {
			end = text.labels[functions[i+1]]
		}
	}
	return end - text.labels[label]
}

func align(n, a int) int { return (n + a - 1) &^ (a - 1) }

// buildImage lays out the ELF. The data page is the page below the
// image (vvarOff = -pageSize), where the kernel maps it.
func buildImage() (vdsoImage, error) {
	le := binary.LittleEndian
	const nphdr = 2

	// Strings and symbols. The code's address is known only after the
	// tables are laid out, so symbols are filled in last.
	var dynstr strtab
	sonameOff := dynstr.add(soname)
	versionOff := dynstr.add(version)
	type symName struct {
		label string
		name  uint32
		bind  byte
		full  string
	}
	var syms []symName
	for _, f := range functions {
		syms = append(syms, symName{f, dynstr.add("__vdso_" + f), stbGlobal, "__vdso_" + f})
		syms = append(syms, symName{f, dynstr.add(f), stbWeak, f})
	}
	nsym := len(syms) + 1 // index 0 is the null symbol

	// Layout.
	off := ehdrSize + nphdr*phdrSize
	hashOff := align(off, 8)
	nbucket := len(syms)
	hashSize := 4 * (2 + nbucket + nsym)
	dynsymOff := align(hashOff+hashSize, 8)
	dynstrOff := dynsymOff + nsym*symSize
	versymOff := align(dynstrOff+len(dynstr.b), 2)
	verdefOff := align(versymOff+2*nsym, 8)
	verdefSize := 2 * (verdefLen + verauxLen)
	dynamicOff := align(verdefOff+verdefSize, 8)
	dynamic := [][2]uint64{
		{dtHash, uint64(hashOff)},
		{dtStrtab, uint64(dynstrOff)},
		{dtSymtab, uint64(dynsymOff)},
		{dtStrsz, uint64(len(dynstr.b))},
		{dtSyment, symSize},
		{dtSoname, uint64(sonameOff)},
		{dtVersym, uint64(versymOff)},
		{dtVerdef, uint64(verdefOff)},
		{dtVerdefnm, 2},
		{dtNull, 0},
	}
	textOff := align(dynamicOff+len(dynamic)*dynSize, 16)
	text, err := assemble(prog, textOff, -pageSize, vvarFields)
	if err != nil {
		return vdsoImage{}, err
	}
	var shstr strtab
	sections := []section{
		{},
		{name: ".hash", typ: shtHash, flags: shfAlloc, off: hashOff, size: hashSize, linkName: ".dynsym", align: 8, entsize: 4},
		{name: ".dynsym", typ: shtDynsym, flags: shfAlloc, off: dynsymOff, size: nsym * symSize, linkName: ".dynstr", info: 1, align: 8, entsize: symSize},
		{name: ".dynstr", typ: shtStrtab, flags: shfAlloc, off: dynstrOff, size: len(dynstr.b), align: 1},
		{name: ".gnu.version", typ: shtVersym, flags: shfAlloc, off: versymOff, size: 2 * nsym, linkName: ".dynsym", align: 2, entsize: 2},
		{name: ".gnu.version_d", typ: shtVerdef, flags: shfAlloc, off: verdefOff, size: verdefSize, linkName: ".dynstr", info: 2, align: 8},
		{name: ".dynamic", typ: shtDynamic, flags: shfAlloc, off: dynamicOff, size: len(dynamic) * dynSize, linkName: ".dynstr", align: 8, entsize: dynSize},
		{name: ".text", typ: shtProgbit, flags: shfAlloc | shfExec, off: textOff, size: len(text.code), align: 16},
		{name: ".shstrtab", typ: shtStrtab},
	}
	index := map[string]uint32{}
	for i := range sections {
		if i > 0 {
			sections[i].nameOff = shstr.add(sections[i].name)
			index[sections[i].name] = uint32(i)
		}
	}
	shstrtab := len(sections) - 1
	sections[shstrtab].off = textOff + len(text.code)
	sections[shstrtab].size = len(shstr.b)
	sections[shstrtab].align = 1
	shOff := align(sections[shstrtab].off+len(shstr.b), 8)
	size := shOff + len(sections)*shdrSize
	if size > pageSize {
		return vdsoImage{}, fmt.Errorf("the image is %d bytes, over one page", size)
	}

	b := make([]byte, size)
	// ELF header.
	copy(b, []byte{0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little-endian */, 1 /* EV_CURRENT */, 0 /* System V */})
	le.PutUint16(b[16:], etDyn)
	le.PutUint16(b[18:], emX86_64)
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[32:], ehdrSize) // e_phoff
	le.PutUint64(b[40:], uint64(shOff))
	le.PutUint16(b[52:], ehdrSize)
	le.PutUint16(b[54:], phdrSize)
	le.PutUint16(b[56:], nphdr)
	le.PutUint16(b[58:], shdrSize)
	le.PutUint16(b[60:], uint16(len(sections)))
	le.PutUint16(b[62:], uint16(shstrtab))

	// Program headers: the whole file at address 0, readable and
	// executable; and the dynamic section within it.
	ph := func(i int, typ, flags uint32, off, sz, align int) {
		p := b[ehdrSize+i*phdrSize:]
		le.PutUint32(p[0:], typ)
		le.PutUint32(p[4:], flags)
		le.PutUint64(p[8:], uint64(off))    // p_offset
		le.PutUint64(p[16:], uint64(off))   // p_vaddr
		le.PutUint64(p[24:], uint64(off))   // p_paddr
		le.PutUint64(p[32:], uint64(sz))    // p_filesz
		le.PutUint64(p[40:], uint64(sz))    // p_memsz
		le.PutUint64(p[48:], uint64(align)) // p_align
	}
	ph(0, ptLoad, pfR|pfX, 0, size, pageSize)
	ph(1, ptDynamic, pfR, dynamicOff, len(dynamic)*dynSize, 8)

	// Symbols, the hash table over them, and their versions.
	symbols := map[string]int{}
	textIndex := index[".text"]
	buckets := make([]uint32, nbucket)
	chains := make([]uint32, nsym)
	for i, s := range syms {
		n := i + 1
		value := textOff + text.labels[s.label]
		symbols[s.full] = value
		p := b[dynsymOff+n*symSize:]
		le.PutUint32(p[0:], s.name)
		p[4] = s.bind<<4 | sttFunc
		le.PutUint16(p[6:], uint16(textIndex))
		le.PutUint64(p[8:], uint64(value))
		le.PutUint64(p[16:], uint64(funcSize(text, s.label)))
		// The chain: each bucket lists its symbols, newest first.
		h := elfHash(s.full) % uint32(nbucket)
		chains[n] = buckets[h]
		buckets[h] = uint32(n)
		le.PutUint16(b[versymOff+2*n:], verLinux26)
	}
	le.PutUint32(b[hashOff:], uint32(nbucket))
	le.PutUint32(b[hashOff+4:], uint32(nsym))
	for i, v := range buckets {
		le.PutUint32(b[hashOff+8+4*i:], v)
	}
	for i, v := range chains {
		le.PutUint32(b[hashOff+8+4*nbucket+4*i:], v)
	}
	copy(b[dynstrOff:], dynstr.b)

	// Version definitions: the file itself (VER_FLG_BASE), then LINUX_2.6.
	vd := func(at int, flags, ndx uint16, name string, nameOff uint32, next uint32) {
		p := b[at:]
		le.PutUint16(p[0:], 1) // vd_version
		le.PutUint16(p[2:], flags)
		le.PutUint16(p[4:], ndx)
		le.PutUint16(p[6:], 1) // vd_cnt: one Verdaux
		le.PutUint32(p[8:], elfHash(name))
		le.PutUint32(p[12:], verdefLen) // vd_aux: right after
		le.PutUint32(p[16:], next)
		le.PutUint32(p[20:], nameOff) // vda_name
		le.PutUint32(p[24:], 0)       // vda_next
	}
	vd(verdefOff, 1, verBase, soname, sonameOff, verdefLen+verauxLen)
	vd(verdefOff+verdefLen+verauxLen, 0, verLinux26, version, versionOff, 0)

	for i, d := range dynamic {
		le.PutUint64(b[dynamicOff+16*i:], d[0])
		le.PutUint64(b[dynamicOff+16*i+8:], d[1])
	}
	copy(b[textOff:], text.code)
	copy(b[sections[shstrtab].off:], shstr.b)

	for i, s := range sections {
		if i == 0 {
			continue
		}
		p := b[shOff+i*shdrSize:]
		le.PutUint32(p[0:], s.nameOff)
		le.PutUint32(p[4:], s.typ)
		le.PutUint64(p[8:], s.flags)
		if s.flags&shfAlloc != 0 {
			le.PutUint64(p[16:], uint64(s.off)) // sh_addr
		}
		le.PutUint64(p[24:], uint64(s.off))
		le.PutUint64(p[32:], uint64(s.size))
		if s.linkName != "" {
			le.PutUint32(p[40:], index[s.linkName])
		}
		le.PutUint32(p[44:], s.info)
		le.PutUint64(p[48:], s.align)
		le.PutUint64(p[56:], s.entsize)
	}
	return vdsoImage{bytes: b, symbols: symbols, text: text, textOff: textOff}, nil
}
