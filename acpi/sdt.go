package acpi

// System description tables (ACPI 6.5, 5.2.6-5.2.8). Every table starts
// with the same 36-byte header: a 4-byte signature, the length of the
// whole table including the header, a revision and a checksum byte that
// makes all the bytes sum to zero. The RSDT lists the other tables by
// 32-bit physical address, the XSDT (ACPI 2.0 and later) by 64-bit
// address; when both exist the XSDT is the one to use (5.2.5.3).
const (
	headerLen = 36
	// maxTableLen bounds what a corrupt length field can make the
	// parser read; real MADTs and root tables are a few KiB.
	maxTableLen = 1 << 20
)

// readTable returns the table at pa after checking its signature (when
// sig is not empty), length and checksum.
func readTable(mem Phys, pa uint64, sig string) ([]byte, error) {
	h := mem(pa, headerLen)
	if h == nil || (sig != "" && !sigIs(h, sig)) {
		return nil, ErrNoTable
	}
	n := le32(h, 4)
	if n < headerLen || n > maxTableLen {
		return nil, ErrBadTable
	}
	t := mem(pa, int(n))
	if t == nil || !checksum(t) {
		return nil, ErrBadTable
	}
	return t, nil
}

// FindTable returns the table with signature sig (4 bytes, "APIC" for
// the MADT) listed in the root table the RSDP names.
func FindTable(mem Phys, r RSDP, sig string) ([]byte, error) {
	var root []byte
	var err error
	entry := 4
	if r.Revision >= 2 && r.XSDT != 0 {
		root, err = readTable(mem, r.XSDT, "XSDT")
		entry = 8
	} else {
		root, err = readTable(mem, uint64(r.RSDT), "RSDT")
	}
	if err != nil {
		return nil, ErrBadRoot
	}
	for off := headerLen; off+entry <= len(root); off += entry {
		var pa uint64
		if entry == 8 {
			pa = le64(root, off)
		} else {
			pa = uint64(le32(root, off))
		}
		h := mem(pa, headerLen)
		if h == nil || !sigIs(h, sig) {
			continue
		}
		return readTable(mem, pa, sig)
	}
	return nil, ErrNoTable
}
