// Package mbimage turns the kernel's linked ELF into a flat Multiboot v1
// image that QEMU's -kernel option can boot.
//
// QEMU's -kernel loader understands Linux bzImages, ELF files carrying a
// PVH note, and Multiboot v1 kernels. The Go linker produces a 64-bit ELF
// without a PVH note, which QEMU rejects ("Error loading uncompressed
// kernel without PVH ELF Note"), and QEMU's Multiboot loader refuses
// 64-bit ELF files. What it does accept is any file whose first 8 KiB
// contain a Multiboot header with flag bit 16 set: the header then says
// where in memory the file's bytes go and where to jump, and the file's
// format is otherwise irrelevant (the Multiboot specification calls this
// the "a.out kludge"). This package builds exactly such a file.
package mbimage

import (
	"encoding/binary"
	"fmt"
)

// Multiboot v1 header constants (Multiboot Specification 0.6.96, §3.1).
const (
	// Magic identifies the header; the loader searches for it.
	Magic = 0x1BADB002

	// FlagPageAlign asks the loader to place boot modules on 4 KiB
	// boundaries, so the kernel can map them without copying.
	FlagPageAlign = 1 << 0
	// FlagMemInfo asks the loader to fill in mem_lower/mem_upper and the
	// memory map in the Multiboot information structure.
	FlagMemInfo = 1 << 1
	// FlagAddrs says the header_addr..entry_addr fields are valid and the
	// loader must use them instead of parsing the file as ELF.
	FlagAddrs = 1 << 16

	// Flags is what gopreempt images use: 0x00010003.
	Flags = FlagPageAlign | FlagMemInfo | FlagAddrs

	// HeaderSize is the length of the header with the address and
	// graphics fields: twelve little-endian 32-bit words.
	HeaderSize = 12 * 4

	// SearchLimit: the loader only looks for the header, 32-bit aligned,
	// within this many bytes from the start of the file; the tests
	// search images for the header that far.
	SearchLimit = 8192
)

// Layout constants for the images built here.
const (
	// PageSize is the x86 small page size; segments are laid out on it.
	PageSize = 0x1000

	// MinAddr is the lowest address an image may occupy. Everything
	// below 1 MiB is real-mode IVT, BIOS data, option ROMs and VGA memory,
	// which the loader and firmware still use.
	MinAddr = 1 << 20

	// maxAddr is one past the highest address a Multiboot v1 header can
	// express: every address field is 32 bits wide.
	maxAddr = 1 << 32
)

// Info holds the five address fields of an image's Multiboot header, all
// physical addresses.
type Info struct {
	// HeaderAddr is where the header itself lands; the loader uses it
	// with the header's file offset to work out where byte 0 goes.
	HeaderAddr uint32
	// LoadAddr is where byte 0 of the loaded text lands.
	LoadAddr uint32
	// LoadEndAddr is one past the last byte copied from the file.
	LoadEndAddr uint32
	// BssEndAddr is one past the end of the memory the loader zeroes
	// after the file bytes.
	BssEndAddr uint32
	// EntryAddr is where the loader jumps, in 32-bit protected mode with
	// EAX=0x2BADB002 and EBX pointing at the Multiboot information.
	EntryAddr uint32
}

// Checksum returns the value that makes magic+flags+checksum wrap to zero
// in 32-bit arithmetic, as the loader verifies.
func Checksum(flags uint32) uint32 {
	return -(Magic + flags)
}

// Header encodes the Multiboot header for these addresses with Flags. The
// graphics mode fields are left zero: bit 2 is not set, so the loader
// ignores them.
func (i Info) Header() []byte {
	words := [HeaderSize / 4]uint32{
		Magic,
		Flags,
		Checksum(Flags),
		i.HeaderAddr,
		i.LoadAddr,
		i.LoadEndAddr,
		i.BssEndAddr,
		i.EntryAddr,
		// mode_type, width, height, depth: unused without bit 2.
	}
	b := make([]byte, HeaderSize)
	for n, w := range words {
		binary.LittleEndian.PutUint32(b[4*n:], w)
	}
	return b
}

// String formats the addresses one per line, for tools to print.
func (i Info) String() string {
	return fmt.Sprintf("header_addr   0x%08x\nload_addr     0x%08x\nload_end_addr 0x%08x\nbss_end_addr  0x%08x\nentry_addr    0x%08x",
		i.HeaderAddr, i.LoadAddr, i.LoadEndAddr, i.BssEndAddr, i.EntryAddr)
}
