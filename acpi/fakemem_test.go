package acpi

import "encoding/binary"

// fakeMem is physical memory for tests: a few regions of bytes.
type fakeMem struct {
	regions []region
}

type region struct {
	base uint64
	b    []byte
}

// put places b at pa.
func (m *fakeMem) put(pa uint64, b []byte) { m.regions = append(m.regions, region{pa, b}) }

// phys is the Phys the parser gets: a view inside one region, or nil.
func (m *fakeMem) phys(pa uint64, n int) []byte {
	for _, r := range m.regions {
		if pa >= r.base && pa+uint64(n) <= r.base+uint64(len(r.b)) {
			return r.b[pa-r.base : pa-r.base+uint64(n)]
		}
	}
	return nil
}

// fix sets b[at] so that b sums to zero.
func fix(b []byte, at int) {
	b[at] = 0
	var s byte
	for _, c := range b {
		s += c
	}
	b[at] = -s
}

// table builds a system description table: header, then body.
func table(sig string, body []byte) []byte {
	t := make([]byte, headerLen+len(body))
	copy(t, sig)
	binary.LittleEndian.PutUint32(t[4:], uint32(len(t)))
	t[8] = 1
	copy(t[10:], "GOTEST")
	copy(t[headerLen:], body)
	fix(t, 9)
	return t
}

// rsdt and xsdt build root tables listing the given addresses.
func rsdt(addrs ...uint32) []byte {
	b := make([]byte, 4*len(addrs))
	for i, a := range addrs {
		binary.LittleEndian.PutUint32(b[4*i:], a)
	}
	return table("RSDT", b)
}

func xsdt(addrs ...uint64) []byte {
	b := make([]byte, 8*len(addrs))
	for i, a := range addrs {
		binary.LittleEndian.PutUint64(b[8*i:], a)
	}
	return table("XSDT", b)
}

// rsdp builds a revision 0 pointer (20 bytes) or, with rev >= 2, a
// revision 2 one (36 bytes, both checksums).
func rsdp(rev byte, rsdtAddr uint32, xsdtAddr uint64) []byte {
	n := rsdpV1Len
	if rev >= 2 {
		n = rsdpV2Len
	}
	b := make([]byte, n)
	copy(b, "RSD PTR ")
	copy(b[9:], "GOTEST")
	b[15] = rev
	binary.LittleEndian.PutUint32(b[16:], rsdtAddr)
	if rev >= 2 {
		binary.LittleEndian.PutUint32(b[20:], uint32(n))
		binary.LittleEndian.PutUint64(b[24:], xsdtAddr)
		fix(b[:rsdpV1Len], 8)
		fix(b, 32)
	} else {
		fix(b, 8)
	}
	return b
}

// MADT entries.
func lapic(uid, id byte, flags uint32) []byte {
	b := []byte{madtLocalAPIC, 8, uid, id, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[4:], flags)
	return b
}

func x2apic(id, flags, uid uint32) []byte {
	b := make([]byte, 16)
	b[0], b[1] = madtLocalX2APIC, 16
	binary.LittleEndian.PutUint32(b[4:], id)
	binary.LittleEndian.PutUint32(b[8:], flags)
	binary.LittleEndian.PutUint32(b[12:], uid)
	return b
}

func ioapic(id byte, addr, gsi uint32) []byte {
	b := make([]byte, 12)
	b[0], b[1], b[2] = madtIOAPIC, 12, id
	binary.LittleEndian.PutUint32(b[4:], addr)
	binary.LittleEndian.PutUint32(b[8:], gsi)
	return b
}

// Entry types the parser skips: an interrupt source override (type 2,
// length 10) and a local APIC NMI (type 4, length 6).
func isoEntry() []byte { return []byte{2, 10, 0, 0, 2, 0, 0, 0, 0, 0} }
func nmiEntry() []byte { return []byte{4, 6, 0xff, 0, 0, 1} }
func lapicOverride(a uint64) []byte {
	b := make([]byte, 12)
	b[0], b[1] = madtLocalAPICOverride, 12
	binary.LittleEndian.PutUint64(b[4:], a)
	return b
}

// madt builds an MADT with the default local APIC address, PCAT_COMPAT,
// and the entries.
func madt(entries ...[]byte) []byte {
	body := make([]byte, 8)
	binary.LittleEndian.PutUint32(body, 0xfee00000)
	binary.LittleEndian.PutUint32(body[4:], 1)
	for _, e := range entries {
		body = append(body, e...)
	}
	return table("APIC", body)
}

// biosArea returns the 128 KiB BIOS area with b at offset off.
func biosArea(off int, b []byte) []byte {
	a := make([]byte, biosAreaEnd-biosAreaStart)
	copy(a[off:], b)
	return a
}
