package acpi

// The Root System Description Pointer (ACPI 6.5, 5.2.5). On a PC BIOS
// system it is found by its signature "RSD PTR " on a 16-byte boundary,
// in the first KiB of the Extended BIOS Data Area or in the BIOS
// read-only area 0xE0000-0xFFFFF (5.2.5.1). UEFI systems pass it in the
// EFI system table instead; a Multiboot v1 loader such as QEMU's -kernel
// runs on SeaBIOS, which puts it in the BIOS area.
const (
	bdaEBDASegment = 0x40e // BIOS data area word: the EBDA's segment
	ebdaScanLen    = 1024
	biosAreaStart  = 0xe0000
	biosAreaEnd    = 0x100000

	rsdpV1Len = 20 // revision 0 (ACPI 1.0): checksum covers these
	rsdpV2Len = 36 // revision 2 and later: extended checksum over Length
)

// RSDP is what the pointer structure says (5.2.5.3).
type RSDP struct {
	Addr     uint64 // where it was found
	Revision uint8  // 0 for ACPI 1.0, 2 for 2.0 and later
	RSDT     uint32 // physical address of the RSDT
	XSDT     uint64 // physical address of the XSDT (revision >= 2), or 0
}

// FindRSDP searches the EBDA, then the BIOS area.
func FindRSDP(mem Phys) (RSDP, error) {
	if seg := mem(bdaEBDASegment, 2); seg != nil {
		if ebda := uint64(le16(seg, 0)) << 4; ebda != 0 {
			if r, ok := scanRSDP(mem, ebda, ebda+ebdaScanLen); ok {
				return r, nil
			}
		}
	}
	if r, ok := scanRSDP(mem, biosAreaStart, biosAreaEnd); ok {
		return r, nil
	}
	return RSDP{}, ErrNoRSDP
}

// scanRSDP looks at every 16-byte boundary in [start, end).
func scanRSDP(mem Phys, start, end uint64) (r RSDP, found bool) {
	found = scanParagraphs(mem, start, end, rsdpV1Len, func(b []byte, at uint64) bool {
		r, found = parseRSDP(b, at)
		return found
	})
	return r, found
}

// parseRSDP checks one candidate. A signature match with a bad checksum
// is not the RSDP (the string can occur by chance, and the search goes
// on, as the specification's "valid checksum" condition implies).
func parseRSDP(b []byte, at uint64) (RSDP, bool) {
	if !sigIs(b, "RSD PTR ") || !checksum(b[:rsdpV1Len]) {
		return RSDP{}, false
	}
	r := RSDP{Addr: at, Revision: b[15], RSDT: le32(b, 16)}
	if r.Revision >= 2 {
		if len(b) < rsdpV2Len {
			return RSDP{}, false
		}
		n := int(le32(b, 20))
		if n < rsdpV2Len || n > len(b) || !checksum(b[:n]) {
			return RSDP{}, false
		}
		r.XSDT = le64(b, 24)
	}
	return r, true
}
