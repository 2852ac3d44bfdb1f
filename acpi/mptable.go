package acpi

// The MP table (Intel MultiProcessor Specification 1.4, chapter 4): how
// a PC BIOS described its processors before ACPI, and still does for
// systems booted with ACPI turned off (acpi=off). Firmware such as
// QEMU's SeaBIOS writes both.
//
// The MP floating pointer structure, 16 bytes on a 16-byte boundary,
// has the signature "_MP_" and is searched for in the first KiB of the
// Extended BIOS Data Area, else in the last KiB of base memory, and in
// the BIOS ROM 0xF0000-0xFFFFF (4.1). It points to the MP configuration
// table, signature "PCMP": a 44-byte header, then entries that each start
// with a type byte. Their lengths are fixed by type (4.3), so an unknown
// type ends the walk. A pointer with a nonzero feature byte 1 and no table
// announces one of the spec's default configurations (chapter 5): two
// processors with local APIC IDs 0 and 1.
//
// ReadMPTable fills the same MADT structure as ReadMADT, so that the
// boot code has one description of the processors whichever table it
// came from.
const (
	bdaBaseMemKiB = 0x413 // BIOS data area word: base memory size in KiB
	mpROMStart    = 0xf0000
	mpFloatLen    = 16

	mpHeaderLen = 44
	mpProcessor = 0 // 20 bytes
	mpBus       = 1 // 8 bytes
	mpIOAPIC    = 2 // 8 bytes
	mpIOIntr    = 3 // 8 bytes
	mpLocalIntr = 4 // 8 bytes

	mpCPUEnabled  = 1 << 0 // processor entry flags: EN
	mpIOAPICUsage = 1 << 0 // I/O APIC entry flags: EN

	defaultLocalAPIC = 0xfee00000
	defaultIOAPIC    = 0xfec00000
)

const (
	ErrNoMPTable  = Error("mptable: no MP floating pointer in the EBDA, base memory or BIOS ROM")
	ErrBadMPTable = Error("mptable: configuration table missing, corrupt, or with an unknown entry")
)

// MPFloat is what the floating pointer says (4.1).
type MPFloat struct {
	Addr          uint64 // where it was found
	Table         uint32 // physical address of the configuration table, or 0
	Revision      uint8  // 1 (spec 1.1) or 4 (spec 1.4)
	DefaultConfig uint8  // feature byte 1: 0 = the table describes the machine
	IMCR          bool   // feature byte 2 bit 7: the machine starts in PIC mode
}

// FindMPFloat searches the three areas in the specification's order.
func FindMPFloat(mem Phys) (MPFloat, error) {
	if seg := mem(bdaEBDASegment, 2); seg != nil {
		if ebda := uint64(le16(seg, 0)) << 4; ebda != 0 {
			if f, ok := scanMPFloat(mem, ebda, ebda+1024); ok {
				return f, nil
			}
		} else if kib := mem(bdaBaseMemKiB, 2); kib != nil {
			top := uint64(le16(kib, 0)) << 10
			if top >= 1024 {
				if f, ok := scanMPFloat(mem, top-1024, top); ok {
					return f, nil
				}
			}
		}
	}
	if f, ok := scanMPFloat(mem, mpROMStart, biosAreaEnd); ok {
		return f, nil
	}
	return MPFloat{}, ErrNoMPTable
}

func scanMPFloat(mem Phys, start, end uint64) (f MPFloat, found bool) {
	found = scanParagraphs(mem, start, end, mpFloatLen, func(b []byte, at uint64) bool {
		b = b[:mpFloatLen]
		// The length byte counts 16-byte units and is 1 (4.1); a
		// signature with a bad checksum is a chance match.
		if !sigIs(b, "_MP_") || b[8] != 1 || !checksum(b) {
			return false
		}
		f = MPFloat{
			Addr:          at,
			Table:         le32(b, 4),
			Revision:      b[9],
			DefaultConfig: b[11],
			IMCR:          b[12]&0x80 != 0,
		}
		return true
	})
	return f, found
}

// ParseMPTable fills m from the configuration table t (base table only,
// as long as its header says), or from the default configuration that f
// names when it has no table.
func ParseMPTable(f MPFloat, t []byte, m *MADT) error {
	*m = MADT{PCATCompat: f.IMCR}
	if f.Table == 0 {
		if f.DefaultConfig == 0 {
			return ErrBadMPTable
		}
		m.LocalAPICAddr = defaultLocalAPIC
		m.addCPU(0, 0, LAPICEnabled)
		m.addCPU(1, 1, LAPICEnabled)
		m.IOAPICs[0] = IOAPIC{ID: 2, Addr: defaultIOAPIC}
		m.NIOAPIC = 1
		return nil
	}
	if len(t) < mpHeaderLen || !sigIs(t, "PCMP") {
		return ErrBadMPTable
	}
	n := int(le16(t, 4))
	if n < mpHeaderLen || n > len(t) || !checksum(t[:n]) {
		return ErrBadMPTable
	}
	t = t[:n]
	m.LocalAPICAddr = uint64(le32(t, 36))
	count := int(le16(t, 34))
	off := mpHeaderLen
	for i := 0; i < count; i++ {
		if off >= len(t) {
			return ErrBadMPTable
		}
		size := 8
		if t[off] == mpProcessor {
			size = 20
		} else if t[off] > mpLocalIntr {
			return ErrBadMPTable
		}
		if off+size > len(t) {
			return ErrBadMPTable
		}
		e := t[off : off+size]
		switch e[0] {
		case mpProcessor:
			// No processor UID in this table: number them in order,
			// as Linux does for the MP table.
			flags := uint32(0)
			if e[3]&mpCPUEnabled != 0 {
				flags = LAPICEnabled
			}
			m.addCPU(uint32(m.NCPU), uint32(e[1]), flags)
		case mpIOAPIC:
			if e[3]&mpIOAPICUsage != 0 && m.NIOAPIC < MaxIOAPICs {
				// No GSI base: global system interrupts are an
				// ACPI notion; this table routes by APIC ID and pin.
				m.IOAPICs[m.NIOAPIC] = IOAPIC{ID: e[1], Addr: le32(e, 4)}
				m.NIOAPIC++
			}
		}
		off += size
	}
	return nil
}

// ReadMPTable finds the floating pointer and parses what it points to.
func ReadMPTable(mem Phys, m *MADT) (MPFloat, error) {
	f, err := FindMPFloat(mem)
	if err != nil {
		return f, err
	}
	var t []byte
	if f.Table != 0 {
		h := mem(uint64(f.Table), mpHeaderLen)
		if h == nil || !sigIs(h, "PCMP") {
			return f, ErrBadMPTable
		}
		if t = mem(uint64(f.Table), int(le16(h, 4))); t == nil {
			return f, ErrBadMPTable
		}
	}
	return f, ParseMPTable(f, t, m)
}
