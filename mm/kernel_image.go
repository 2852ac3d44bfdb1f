package mm

import "gopreempt/internal/addr"

// KernelImage is where the linker put the kernel's code and data:
//
//	Text .. Etext    runtime.text .. runtime.etext: the code, inside the
//	                 R E segment (which also holds the ELF headers)
//	Rodata           the R segment: .rodata, .gopclntab, .typelink,
//	                 .itablink
//	Data .. End      the RW segment: .go.buildinfo, .go.module,
//	                 .noptrdata, .data, .bss, .noptrbss, up to runtime.end
//
// The code bounds are the linker's symbols. The segment bounds come from
// the kernel's own ELF program headers (`readelf -lW bin/gopreempt.elf`
// shows them), which are in memory: the Go linker starts the first PT_LOAD
// segment at file offset 0, one page below runtime.text (the headers'
// page, ELFRESERVE), and internal/mbimage loads every segment's file bytes
// at its address. Linux hands a program the same table through AT_PHDR.
// The linker starts every segment on a new 4 KiB page (-R, 0x1000 on
// linux/amd64), so no page holds both code and data.
type KernelImage struct {
	Text, Etext, Rodata, Data, End uintptr
}

func kernelImageSymbols() (text, etext, end uintptr)

// ELF64 identification and program-header constants (System V ABI, the
// ELF specification's "Program Header" chapter).
const (
	elfMagic     = 0x464c457f // "\x7fELF", read as a little-endian word
	elfPhoff     = 32         // e_phoff: where the program headers start
	elfPhentsize = 54
	elfPhnum     = 56
	elfPhdrSize  = 56

	ptLoad = 1
	pfW    = 2
	pfX    = 1
)

// Image returns the kernel image's layout, or why it cannot be read.
func Image() (KernelImage, string) {
	text, etext, end := kernelImageSymbols()
	img := KernelImage{Text: text, Etext: etext, End: end}
	ehdr := pageDown(text) - PageSize
	if *(*uint32)(addr.Ptr(ehdr)) != elfMagic {
		return img, "no ELF header on the page below runtime.text"
	}
	phoff := *(*uint64)(addr.Ptr(ehdr + elfPhoff))
	entsize := uintptr(*(*uint16)(addr.Ptr(ehdr + elfPhentsize)))
	n := uintptr(*(*uint16)(addr.Ptr(ehdr + elfPhnum)))
	if entsize != elfPhdrSize || phoff+uint64(n*entsize) > PageSize {
		return img, "the program headers are not on the ELF header's page"
	}
	for i := uintptr(0); i < n; i++ {
		ph := ehdr + uintptr(phoff) + i*entsize
		typ, flags := *(*uint32)(addr.Ptr(ph)), *(*uint32)(addr.Ptr(ph + 4))
		vaddr := *(*uintptr)(addr.Ptr(ph + 16))
		if typ != ptLoad {
			continue
		}
		switch {
		case flags&pfW != 0:
			img.Data = vaddr
		case flags&pfX == 0:
			img.Rodata = vaddr
		}
	}
	return img, img.check()
}

// TextPages is the page range that is mapped read-only and executable.
func (k KernelImage) TextPages() (lo, hi uintptr) {
	return pageDown(k.Text), pageUp(k.Etext)
}

// RodataPages is the page range that is mapped read-only and not executable.
func (k KernelImage) RodataPages() (lo, hi uintptr) {
	return k.Rodata, k.Data
}

// DataPages is the page range that is mapped writable and not executable.
func (k KernelImage) DataPages() (lo, hi uintptr) {
	return k.Data, pageUp(k.End)
}

// check reports what is wrong with a layout that the protection cannot
// follow, or "" when the segments come in order on page boundaries.
func (k KernelImage) check() string {
	tlo, thi := k.TextPages()
	rlo, rhi := k.RodataPages()
	dlo, dhi := k.DataPages()
	switch {
	case rlo == 0 || dlo == 0:
		return "no read-only or no writable PT_LOAD segment"
	case rlo != pageDown(rlo) || dlo != pageDown(dlo):
		return "a segment does not start on a page"
	case tlo >= thi || rlo >= rhi || dlo >= dhi:
		return "a segment is empty"
	case thi > rlo || rhi > dlo:
		return "segments overlap or are out of order"
	case dhi > 1<<32:
		return "the image ends above 4 GiB"
	}
	return ""
}

func pageDown(a uintptr) uintptr { return a &^ (PageSize - 1) }
func pageUp(a uintptr) uintptr   { return (a + PageSize - 1) &^ (PageSize - 1) }
