package irq

import "gopreempt/arch/amd64"

// The 8254 PIT, used once: as the known clock (1.193182 MHz) against
// which the TSC and the local APIC timer are calibrated. Channel 2 is
// used because its gate is software-controlled (port 0x61 bit 0) and its
// output can be read (port 0x61 bit 5), so no interrupt is needed
// (8254 datasheet; the PC/AT port 0x61 layout).
const (
	pitHz      = 1193182
	pitCh2     = 0x42
	pitCommand = 0x43
	pitGate    = 0x61
)

// pitWait programs channel 2 for a one-shot countdown of ms milliseconds
// (mode 0: output goes high at terminal count), calling start as the
// count begins and stop as it ends.
func pitWait(ms int, start, stop func()) {
	count := pitHz * ms / 1000
	g := amd64.Inb(pitGate)
	amd64.Outb(pitGate, g&^0x03) // speaker off, gate low while programming
	amd64.Outb(pitCommand, 0xb0) // channel 2, lobyte/hibyte, mode 0, binary
	amd64.Outb(pitCh2, uint8(count))
	amd64.Outb(pitCh2, uint8(count>>8))
	start()
	amd64.Outb(pitGate, g&^0x02|0x01) // gate high: counting starts
	for amd64.Inb(pitGate)&0x20 == 0 {
	}
	stop()
	amd64.Outb(pitGate, g&^0x03)
}

// CalibrateTSC measures the TSC rate against the PIT: the best (shortest)
// of a few 50 ms windows, so that a window stretched by the host (under
// emulation) does not inflate the result.
func CalibrateTSC() uint64 {
	var best uint64
	for i := 0; i < 3; i++ {
		var t0, t1 uint64
		pitWait(50, func() { t0 = amd64.Rdtsc() }, func() { t1 = amd64.Rdtsc() })
		hz := (t1 - t0) * 20
		if best == 0 || hz < best {
			best = hz
		}
	}
	return best
}
