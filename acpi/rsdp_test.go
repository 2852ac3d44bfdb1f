package acpi

import "testing"

// A machine like QEMU with SeaBIOS: no EBDA pointer in the way, the RSDP
// in the BIOS area.
func TestFindRSDPInBIOSArea(t *testing.T) {
	var m fakeMem
	m.put(0, make([]byte, 0x500)) // BDA with a zero EBDA segment
	m.put(biosAreaStart, biosArea(0x15a40, rsdp(0, 0x3ffe1000, 0)))
	r, err := FindRSDP(m.phys)
	if err != nil {
		t.Fatal(err)
	}
	if r.Addr != biosAreaStart+0x15a40 || r.Revision != 0 || r.RSDT != 0x3ffe1000 || r.XSDT != 0 {
		t.Errorf("got %+v", r)
	}
}

// The EBDA is searched first; only its first KiB counts.
func TestFindRSDPInEBDA(t *testing.T) {
	var m fakeMem
	bda := make([]byte, 0x500)
	bda[bdaEBDASegment], bda[bdaEBDASegment+1] = 0xc0, 0x9f // segment 0x9fc0
	m.put(0, bda)
	ebda := make([]byte, 0x400)
	copy(ebda[0x40:], rsdp(0, 0x1111000, 0))
	m.put(0x9fc00, ebda)
	m.put(biosAreaStart, biosArea(0x10000, rsdp(0, 0x2222000, 0)))
	r, err := FindRSDP(m.phys)
	if err != nil {
		t.Fatal(err)
	}
	if r.Addr != 0x9fc40 || r.RSDT != 0x1111000 {
		t.Errorf("got %+v, want the EBDA's", r)
	}
}

func TestFindRSDPIgnoresMisalignedAndBadChecksum(t *testing.T) {
	bad := rsdp(0, 0x1000, 0)
	bad[8]++
	area := biosArea(0x100, bad)
	copy(area[0x208:], rsdp(0, 0x2000, 0)) // not on a 16-byte boundary
	copy(area[0x300:], rsdp(0, 0x3000, 0))
	var m fakeMem
	m.put(biosAreaStart, area)
	r, err := FindRSDP(m.phys)
	if err != nil {
		t.Fatal(err)
	}
	if r.RSDT != 0x3000 {
		t.Errorf("found RSDT %#x, want the valid aligned one (0x3000)", r.RSDT)
	}
}

func TestFindRSDPRevision2(t *testing.T) {
	var m fakeMem
	m.put(biosAreaStart, biosArea(0x100, rsdp(2, 0x1000, 0x1_2345_6000)))
	r, err := FindRSDP(m.phys)
	if err != nil {
		t.Fatal(err)
	}
	if r.Revision != 2 || r.XSDT != 0x1_2345_6000 {
		t.Errorf("got %+v", r)
	}

	// A broken extended checksum disqualifies it.
	b := rsdp(2, 0x1000, 0x2000)
	b[32]++
	m = fakeMem{}
	m.put(biosAreaStart, biosArea(0x100, b))
	if _, err := FindRSDP(m.phys); err != ErrNoRSDP {
		t.Errorf("bad extended checksum: err %v, want ErrNoRSDP", err)
	}
}

func TestFindRSDPNone(t *testing.T) {
	var m fakeMem
	m.put(0, make([]byte, 0x500))
	m.put(biosAreaStart, biosArea(0, nil))
	if _, err := FindRSDP(m.phys); err != ErrNoRSDP {
		t.Errorf("err %v, want ErrNoRSDP", err)
	}
	// No memory readable at all.
	if _, err := FindRSDP(func(uint64, int) []byte { return nil }); err != ErrNoRSDP {
		t.Errorf("unreadable memory: err %v, want ErrNoRSDP", err)
	}
}
