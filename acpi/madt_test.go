package acpi

import (
	"testing"
)

// machine puts an RSDP (revision 0) in the BIOS area, an RSDT at
// 0x3ffe0000 listing the given tables, and the tables after it.
func machine(tables ...[]byte) *fakeMem {
	var m fakeMem
	var addrs []uint32
	pa := uint32(0x3ffe1000)
	for _, t := range tables {
		m.put(uint64(pa), t)
		addrs = append(addrs, pa)
		pa += 0x1000
	}
	m.put(0x3ffe0000, rsdt(addrs...))
	m.put(biosAreaStart, biosArea(0x15a40, rsdp(0, 0x3ffe0000, 0)))
	return &m
}

// What QEMU's firmware describes for -smp 4,maxcpus=6: four present
// CPUs, two absent hot-pluggable slots, one I/O APIC, overrides and NMI
// entries that the kernel does not need.
func TestReadMADT(t *testing.T) {
	m := machine(
		table("FACP", make([]byte, 80)),
		madt(
			lapic(0, 0, LAPICEnabled), lapic(1, 1, LAPICEnabled),
			lapic(2, 2, LAPICEnabled), lapic(3, 3, LAPICEnabled),
			lapic(4, 4, 0), lapic(5, 5, LAPICOnlineCapable),
			ioapic(0, 0xfec00000, 0), isoEntry(), isoEntry(), nmiEntry(),
		),
		table("HPET", make([]byte, 20)),
	)
	var md MADT
	if err := ReadMADT(m.phys, &md); err != nil {
		t.Fatal(err)
	}
	if md.LocalAPICAddr != 0xfee00000 || !md.PCATCompat {
		t.Errorf("local APIC %#x, PCAT_COMPAT %v", md.LocalAPICAddr, md.PCATCompat)
	}
	if md.NCPU != 5 || md.Present() != 4 || md.Unusable != 1 {
		t.Errorf("NCPU %d present %d unusable %d, want 5 4 1", md.NCPU, md.Present(), md.Unusable)
	}
	for i, id := range []uint8{0, 1, 2, 3, 5} { // 4 is neither enabled nor online-capable
		c := md.CPUs[i]
		if c.APICID != id || c.ProcessorUID != uint32(id) {
			t.Errorf("CPU %d: %+v", i, c)
		}
		if c.Enabled() != (i < 4) {
			t.Errorf("CPU %d: enabled %v", i, c.Enabled())
		}
	}
	if md.NIOAPIC != 1 || md.IOAPICs[0] != (IOAPIC{ID: 0, Addr: 0xfec00000, GSIBase: 0}) {
		t.Errorf("I/O APICs: %d %+v", md.NIOAPIC, md.IOAPICs[0])
	}
}

// With an XSDT, its list is used, not the RSDT's (here the RSDT lists a
// stale MADT with one CPU). The MADT may be above 4 GiB.
func TestReadMADTThroughXSDT(t *testing.T) {
	var m fakeMem
	m.put(0x1000, madt(lapic(0, 0, LAPICEnabled)))
	m.put(0x1_0000_2000, madt(lapic(0, 0, LAPICEnabled), lapic(1, 7, LAPICEnabled)))
	m.put(0x3000, rsdt(0x1000))
	m.put(0x4000, xsdt(0x1_0000_2000))
	m.put(biosAreaStart, biosArea(0x40, rsdp(2, 0x3000, 0x4000)))
	var md MADT
	if err := ReadMADT(m.phys, &md); err != nil {
		t.Fatal(err)
	}
	if md.NCPU != 2 || md.CPUs[1].APICID != 7 {
		t.Errorf("got %d CPUs %+v, want the XSDT's MADT", md.NCPU, md.CPUs[:md.NCPU])
	}
}

func TestMADTSkipsBroadcastAndWideX2APIC(t *testing.T) {
	var md MADT
	err := ParseMADT(madt(
		lapic(0, 0, LAPICEnabled),
		lapic(1, 0xff, LAPICEnabled),  // the broadcast ID
		x2apic(0, LAPICEnabled, 0),    // the same CPU again
		x2apic(2, LAPICEnabled, 9),    // addressable in xAPIC mode
		x2apic(300, LAPICEnabled, 10), // not addressable in xAPIC mode
		lapicOverride(0xfee0_0000_0000),
	), &md)
	if err != nil {
		t.Fatal(err)
	}
	if md.NCPU != 2 || md.CPUs[1] != (LocalAPIC{ProcessorUID: 9, APICID: 2, Flags: LAPICEnabled}) {
		t.Errorf("CPUs %+v", md.CPUs[:md.NCPU])
	}
	if md.Unusable != 2 {
		t.Errorf("unusable %d, want 2", md.Unusable)
	}
	if md.LocalAPICAddr != 0xfee0_0000_0000 {
		t.Errorf("override not applied: %#x", md.LocalAPICAddr)
	}
}

func TestMADTMalformed(t *testing.T) {
	var md MADT
	for name, tb := range map[string][]byte{
		"zero-length entry": madt(lapic(0, 0, 1), []byte{0, 0, 0, 0}),
		"entry past end":    madt(lapic(0, 0, 1), []byte{1, 12, 0, 0}),
		"lone byte":         madt(lapic(0, 0, 1), []byte{0}),
	} {
		if err := ParseMADT(tb, &md); err != ErrBadMADTEntry {
			t.Errorf("%s: err %v, want ErrBadMADTEntry", name, err)
		}
	}
	if err := ParseMADT(table("APIC", []byte{1, 2, 3}), &md); err != ErrShortMADT {
		t.Errorf("short MADT: err %v", err)
	}
}

func TestFindTableErrors(t *testing.T) {
	bad := madt(lapic(0, 0, 1))
	bad[20]++
	var md MADT
	if err := ReadMADT(machine(bad).phys, &md); err != ErrBadTable {
		t.Errorf("bad MADT checksum: err %v, want ErrBadTable", err)
	}
	if err := ReadMADT(machine(table("FACP", nil)).phys, &md); err != ErrNoTable {
		t.Errorf("no MADT: err %v, want ErrNoTable", err)
	}
	m := machine(madt(lapic(0, 0, 1)))
	root := m.phys(0x3ffe0000, headerLen)
	root[9]++ // the RSDT's checksum
	if err := ReadMADT(m.phys, &md); err != ErrBadRoot {
		t.Errorf("bad RSDT checksum: err %v, want ErrBadRoot", err)
	}
	long := madt(lapic(0, 0, 1))
	long[4], long[5], long[6] = 0, 0, 0x20 // length 2 MiB: more than any MADT
	if err := ReadMADT(machine(long).phys, &md); err != ErrBadTable {
		t.Errorf("huge length: err %v, want ErrBadTable", err)
	}
}

// The boot code calls ReadMADT before the Go runtime (and its allocator)
// has started: it must not allocate.
func TestReadMADTDoesNotAllocate(t *testing.T) {
	m := machine(madt(lapic(0, 0, 1), lapic(1, 1, 1), ioapic(0, 0xfec00000, 0)))
	var md MADT
	phys := m.phys
	if n := testing.AllocsPerRun(10, func() {
		if err := ReadMADT(phys, &md); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("ReadMADT allocated %v times per run", n)
	}
	var mm MADT
	if n := testing.AllocsPerRun(10, func() { _ = ReadMADT(func(uint64, int) []byte { return nil }, &mm) }); n != 0 {
		t.Errorf("failing ReadMADT allocated %v times per run", n)
	}
}
