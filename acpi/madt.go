package acpi

// The Multiple APIC Description Table, signature "APIC" (ACPI 6.5,
// 5.2.12): after the common header, the local APIC's physical address
// (4 bytes at 36), flags (4 bytes at 40; bit 0 PCAT_COMPAT means there
// are also legacy 8259 PICs to mask), then a list of variable-length
// entries, each starting with a type byte and a length byte.
const (
	madtEntries = 44

	madtLocalAPIC         = 0 // 5.2.12.2, length 8
	madtIOAPIC            = 1 // 5.2.12.3, length 12
	madtLocalAPICOverride = 5 // 5.2.12.8, length 12
	madtLocalX2APIC       = 9 // 5.2.12.12, length 16

	// Local APIC flags (table 5.23).
	LAPICEnabled       = 1 << 0 // the processor is present and usable
	LAPICOnlineCapable = 1 << 1 // absent now, can be enabled at runtime

	// xAPIC broadcast ID: not a processor (SDM Vol. 3A, 11.6.1).
	apicBroadcast = 0xff

	// MaxLocalAPICs is how many processor entries are kept: the 8-bit
	// xAPIC ID space.
	MaxLocalAPICs = 256
	// MaxIOAPICs is how many I/O APIC entries are kept.
	MaxIOAPICs = 8
)

// LocalAPIC is one processor: its ACPI processor UID, its local APIC ID
// (what an IPI is addressed to) and the flags above.
type LocalAPIC struct {
	ProcessorUID uint32
	APICID       uint8
	Flags        uint32
}

// Enabled reports whether the processor is present now (and can be
// started with INIT-SIPI-SIPI).
func (l LocalAPIC) Enabled() bool { return l.Flags&LAPICEnabled != 0 }

// IOAPIC is one I/O APIC: its ID, register address and the first global
// system interrupt it handles.
type IOAPIC struct {
	ID      uint8
	Addr    uint32
	GSIBase uint32
}

// MADT is what ParseMADT found. It is a plain value of fixed size, so
// boot code can keep one in static storage.
type MADT struct {
	LocalAPICAddr uint64 // the override entry's, if any
	PCATCompat    bool

	// CPUs lists processor entries that are enabled or online-capable,
	// in table order. The firmware lists the boot processor first
	// (5.2.12.2), though the kernel does not rely on it.
	CPUs [MaxLocalAPICs]LocalAPIC
	NCPU int
	// Unusable counts entries skipped: neither enabled nor
	// online-capable, the broadcast ID, or x2APIC entries whose ID the
	// xAPIC cannot address.
	Unusable int

	IOAPICs [MaxIOAPICs]IOAPIC
	NIOAPIC int
}

// Present returns the number of enabled processors (the ones running or
// able to run now).
func (m *MADT) Present() int {
	n := 0
	for i := 0; i < m.NCPU; i++ {
		if m.CPUs[i].Enabled() {
			n++
		}
	}
	return n
}

// ParseMADT fills m from the table t (as returned by FindTable(...,
// "APIC"), already checksummed).
func ParseMADT(t []byte, m *MADT) error {
	*m = MADT{}
	if len(t) < madtEntries {
		return ErrShortMADT
	}
	m.LocalAPICAddr = uint64(le32(t, 36))
	m.PCATCompat = le32(t, 40)&1 != 0
	for off := madtEntries; off < len(t); {
		if off+2 > len(t) {
			return ErrBadMADTEntry
		}
		typ, n := t[off], int(t[off+1])
		if n < 2 || off+n > len(t) {
			// A zero length would loop for ever; a long one reads
			// past the table.
			return ErrBadMADTEntry
		}
		e := t[off : off+n]
		switch {
		case typ == madtLocalAPIC && n >= 8:
			m.addCPU(uint32(e[2]), uint32(e[3]), le32(e, 4))
		case typ == madtLocalX2APIC && n >= 16:
			// Firmware uses these for IDs the 8-bit xAPIC ID cannot
			// hold (5.2.12.12); a smaller one is a duplicate of a
			// type 0 entry or addressable in xAPIC mode.
			m.addCPU(le32(e, 12), le32(e, 4), le32(e, 8))
		case typ == madtIOAPIC && n >= 12:
			if m.NIOAPIC < MaxIOAPICs {
				m.IOAPICs[m.NIOAPIC] = IOAPIC{ID: e[2], Addr: le32(e, 4), GSIBase: le32(e, 8)}
				m.NIOAPIC++
			}
		case typ == madtLocalAPICOverride && n >= 12:
			m.LocalAPICAddr = le64(e, 4)
		}
		off += n
	}
	return nil
}

// addCPU records a processor entry, or counts it as unusable.
func (m *MADT) addCPU(uid, apicID, flags uint32) {
	if flags&(LAPICEnabled|LAPICOnlineCapable) == 0 || apicID >= apicBroadcast {
		m.Unusable++
		return
	}
	for i := 0; i < m.NCPU; i++ {
		if uint32(m.CPUs[i].APICID) == apicID {
			return // listed twice (type 0 and type 9)
		}
	}
	if m.NCPU < MaxLocalAPICs {
		m.CPUs[m.NCPU] = LocalAPIC{ProcessorUID: uid, APICID: uint8(apicID), Flags: flags}
		m.NCPU++
	}
}

// ReadMADT finds and parses the MADT: FindRSDP, FindTable and ParseMADT
// in one call.
func ReadMADT(mem Phys, m *MADT) error {
	r, err := FindRSDP(mem)
	if err != nil {
		return err
	}
	t, err := FindTable(mem, r, "APIC")
	if err != nil {
		return err
	}
	return ParseMADT(t, m)
}
