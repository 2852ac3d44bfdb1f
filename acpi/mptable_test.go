package acpi

import (
	"encoding/binary"
	"errors"
	"testing"
)

// mpFloat builds a floating pointer to table (0: none) with feature
// byte 1 set to def.
func mpFloat(table uint32, def byte) []byte {
	b := make([]byte, mpFloatLen)
	copy(b, "_MP_")
	binary.LittleEndian.PutUint32(b[4:], table)
	b[8], b[9], b[11] = 1, 4, def
	fix(b, 10)
	return b
}

// mpConfig builds a configuration table with the given entries.
func mpConfig(count int, entries ...[]byte) []byte {
	t := make([]byte, mpHeaderLen)
	copy(t, "PCMP")
	t[6] = 4
	copy(t[8:], "GOTEST  ")
	binary.LittleEndian.PutUint16(t[34:], uint16(count))
	binary.LittleEndian.PutUint32(t[36:], 0xfee00000)
	for _, e := range entries {
		t = append(t, e...)
	}
	binary.LittleEndian.PutUint16(t[4:], uint16(len(t)))
	fix(t, 7)
	return t
}

func mpCPU(id, flags byte) []byte {
	b := make([]byte, 20)
	b[0], b[1], b[2], b[3] = mpProcessor, id, 0x14, flags
	return b
}

func mpIOAPICEntry(id byte, addr uint32) []byte {
	b := []byte{mpIOAPIC, id, 0x11, mpIOAPICUsage, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[4:], addr)
	return b
}

func mpBusEntry() []byte { return []byte{mpBus, 0, 'I', 'S', 'A', ' ', ' ', ' '} }

func mpIntrEntry(typ byte) []byte { return []byte{typ, 0, 0, 0, 0, 0, 0, 0} }

// romWith returns memory whose BIOS ROM holds the floating pointer at
// off, and whose 0x9fc00 holds the configuration table.
func romWith(off int, float []byte, cfg []byte) *fakeMem {
	m := &fakeMem{}
	rom := make([]byte, biosAreaEnd-mpROMStart)
	copy(rom[off:], float)
	m.put(mpROMStart, rom)
	if cfg != nil {
		m.put(0x9fc00, cfg)
	}
	return m
}

func TestMPTableQEMULike(t *testing.T) {
	// What SeaBIOS writes for -smp 4: four processors (the first is the
	// boot processor), a bus, an I/O APIC, interrupt entries.
	cfg := mpConfig(9, mpCPU(0, 3), mpCPU(1, 1), mpCPU(2, 1), mpCPU(3, 1), mpBusEntry(),
		mpIOAPICEntry(4, 0xfec00000), mpIntrEntry(mpIOIntr), mpIntrEntry(mpIOIntr), mpIntrEntry(mpLocalIntr))
	mem := romWith(0x6a30, mpFloat(0x9fc00, 0), cfg)
	var m MADT
	f, err := ReadMPTable(mem.phys, &m)
	if err != nil {
		t.Fatal(err)
	}
	if f.Addr != mpROMStart+0x6a30 || f.Table != 0x9fc00 {
		t.Errorf("floating pointer %+v", f)
	}
	if m.NCPU != 4 || m.Present() != 4 {
		t.Fatalf("NCPU %d present %d, want 4 and 4", m.NCPU, m.Present())
	}
	for i := 0; i < 4; i++ {
		if m.CPUs[i].APICID != uint8(i) || m.CPUs[i].ProcessorUID != uint32(i) {
			t.Errorf("CPU %d = %+v", i, m.CPUs[i])
		}
	}
	if m.NIOAPIC != 1 || m.IOAPICs[0].Addr != 0xfec00000 || m.IOAPICs[0].ID != 4 {
		t.Errorf("I/O APICs %d %+v", m.NIOAPIC, m.IOAPICs[0])
	}
	if m.LocalAPICAddr != 0xfee00000 {
		t.Errorf("local APIC at %#x", m.LocalAPICAddr)
	}
}

func TestMPTableDisabledCPU(t *testing.T) {
	cfg := mpConfig(3, mpCPU(0, 3), mpCPU(1, 0), mpCPU(2, 1))
	var m MADT
	if _, err := ReadMPTable(romWith(0, mpFloat(0x9fc00, 0), cfg).phys, &m); err != nil {
		t.Fatal(err)
	}
	// A processor without EN is unusable (4.3.1).
	if m.NCPU != 2 || m.Unusable != 1 || m.CPUs[1].APICID != 2 {
		t.Errorf("NCPU %d unusable %d CPUs %+v", m.NCPU, m.Unusable, m.CPUs[:m.NCPU])
	}
}

func TestMPFloatSearchOrder(t *testing.T) {
	cfg := mpConfig(1, mpCPU(0, 3))
	// In the EBDA: found there, before the ROM.
	m := romWith(0x100, mpFloat(0x9fc00, 0), cfg)
	m.put(bdaEBDASegment, []byte{0x00, 0x9e}) // EBDA at 0x9e000
	ebda := make([]byte, 1024)
	copy(ebda[0x40:], mpFloat(0x9fc00, 0))
	m.put(0x9e000, ebda)
	f, err := FindMPFloat(m.phys)
	if err != nil || f.Addr != 0x9e040 {
		t.Errorf("EBDA: %+v %v", f, err)
	}
	// No EBDA: the last KiB of base memory (639 KiB here).
	m = romWith(0x100, mpFloat(0x9fc00, 0), nil)
	bda := make([]byte, 0x20) // EBDA segment 0, base memory 639 KiB
	binary.LittleEndian.PutUint16(bda[bdaBaseMemKiB-0x400:], 639)
	m.put(0x400, bda)
	top := make([]byte, 1024)
	copy(top[0x3f0:], mpFloat(0x9fc00, 0))
	m.put(639<<10-1024, top)
	if f, err := FindMPFloat(m.phys); err != nil || f.Addr != 639<<10-1024+0x3f0 {
		t.Errorf("base memory: %+v %v", f, err)
	}
}

func TestMPFloatRejectsChanceMatches(t *testing.T) {
	bad := mpFloat(0x9fc00, 0)
	bad[10]++ // checksum
	long := mpFloat(0x9fc00, 0)
	long[8] = 2
	fix(long, 10)
	rom := make([]byte, biosAreaEnd-mpROMStart)
	copy(rom[0x10:], bad)
	copy(rom[0x20:], long)
	copy(rom[0x38:], mpFloat(0x9fc00, 0)) // not 16-byte aligned
	m := &fakeMem{}
	m.put(mpROMStart, rom)
	if f, err := FindMPFloat(m.phys); !errors.Is(err, ErrNoMPTable) {
		t.Errorf("found %+v, %v", f, err)
	}
}

func TestMPDefaultConfiguration(t *testing.T) {
	var m MADT
	f, err := ReadMPTable(romWith(0, mpFloat(0, 5), nil).phys, &m)
	if err != nil {
		t.Fatal(err)
	}
	if f.DefaultConfig != 5 || m.Present() != 2 || m.CPUs[1].APICID != 1 || m.IOAPICs[0].Addr != defaultIOAPIC {
		t.Errorf("default configuration: %+v %+v", f, m.CPUs[:m.NCPU])
	}
	// No table and no default configuration: nothing to go by.
	if _, err := ReadMPTable(romWith(0, mpFloat(0, 0), nil).phys, &m); !errors.Is(err, ErrBadMPTable) {
		t.Errorf("empty pointer: err %v", err)
	}
}

func TestMPTableCorrupt(t *testing.T) {
	good := mpConfig(2, mpCPU(0, 3), mpCPU(1, 1))
	badSum := append([]byte(nil), good...)
	badSum[7]++
	unknown := mpConfig(2, mpCPU(0, 3), []byte{9, 0, 0, 0, 0, 0, 0, 0})
	short := mpConfig(3, mpCPU(0, 3), mpCPU(1, 1)) // count says 3, two present
	truncated := mpConfig(1, mpCPU(0, 3)[:12])
	for name, cfg := range map[string][]byte{"checksum": badSum, "unknown entry": unknown, "count": short, "truncated": truncated} {
		var m MADT
		if _, err := ReadMPTable(romWith(0, mpFloat(0x9fc00, 0), cfg).phys, &m); !errors.Is(err, ErrBadMPTable) {
			t.Errorf("%s: err %v, want ErrBadMPTable", name, err)
		}
	}
	// The table's pointer leads nowhere readable.
	var m MADT
	if _, err := ReadMPTable(romWith(0, mpFloat(0x5000, 0), nil).phys, &m); !errors.Is(err, ErrBadMPTable) {
		t.Errorf("dangling pointer: err %v", err)
	}
}
