// Package acpi reads the ACPI tables the firmware leaves in memory, as far
// as the kernel needs them to find its processors: the RSDP, the root
// table (RSDT or XSDT) and the MADT (ACPI 6.5, chapter 5.2). It also reads
// the MP table that came before ACPI (mptable.go), into the same MADT
// structure, for machines booted with acpi=off or without ACPI.
//
// It runs at boot, before the Go runtime has started, so nothing here
// allocates: results go into caller-provided structures of fixed size,
// and errors are constants. Every read of physical memory goes through a
// Phys function, so that host tests can hand the parser byte buffers
// they built instead of the machine's memory.
package acpi

// Phys returns a view of the n bytes of physical memory at pa, or nil
// when that memory cannot be read.
type Phys func(pa uint64, n int) []byte

// Error is a parse failure. The values are constants, which convert to
// the error interface without allocating.
type Error string

func (e Error) Error() string { return string(e) }

const (
	ErrNoRSDP       = Error("acpi: no RSDP in the EBDA or the BIOS area")
	ErrBadRoot      = Error("acpi: root table (RSDT/XSDT) missing or corrupt")
	ErrNoTable      = Error("acpi: table not found")
	ErrBadTable     = Error("acpi: table checksum or length wrong")
	ErrShortMADT    = Error("acpi: MADT shorter than its fixed fields")
	ErrBadMADTEntry = Error("acpi: MADT entry runs past the table or has length < 2")
)

// checksum reports whether the bytes of b add up to 0 modulo 256, the
// rule for the RSDP and for every table (ACPI 6.5, 5.2.5.3 and 5.2.6).
func checksum(b []byte) bool {
	var s byte
	for _, c := range b {
		s += c
	}
	return s == 0
}

// Little-endian field readers (ACPI is little-endian, 5.2.2). The caller
// checks the bounds.
func le16(b []byte, off int) uint16 { return uint16(b[off]) | uint16(b[off+1])<<8 }

func le32(b []byte, off int) uint32 {
	return uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16 | uint32(b[off+3])<<24
}

func le64(b []byte, off int) uint64 { return uint64(le32(b, off)) | uint64(le32(b, off+4))<<32 }

// sigIs compares a 4- or 8-byte signature without converting to string
// (which would allocate).
func sigIs(b []byte, sig string) bool {
	if len(b) < len(sig) {
		return false
	}
	for i := 0; i < len(sig); i++ {
		if b[i] != sig[i] {
			return false
		}
	}
	return true
}

// scanParagraphs calls try for every 16-byte boundary of [start, end)
// with at least n bytes left before end (the slice runs to end), until
// try reports a find. Firmware structures found by signature (the RSDP,
// the MP floating pointer) are aligned so.
func scanParagraphs(mem Phys, start, end uint64, n int, try func(b []byte, at uint64) bool) bool {
	area := mem(start, int(end-start))
	if area == nil {
		return false
	}
	for off := 0; off+n <= len(area); off += 16 {
		if try(area[off:], start+uint64(off)) {
			return true
		}
	}
	return false
}
