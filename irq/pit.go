package irq

import "gopreempt/arch/amd64"

// The 8254 PIT, used once: as the known clock (1.193182 MHz) against
// which the TSC is calibrated (calibrate.go). Channel 2 is used because
// its gate is software-controlled (port 0x61 bit 0) and its output can be
// read (port 0x61 bit 5), so no interrupt is needed (8254 datasheet; the
// PC/AT port 0x61 layout).
const (
	pitHz      = 1193182
	pitCh2     = 0x42
	pitCommand = 0x43
	pitGate    = 0x61

	pitOut2   = 0x20 // port 0x61: channel 2 output
	pitLatch2 = 0x80 // command: counter latch, channel 2
	pitMode0  = 0xb0 // command: channel 2, lobyte/hibyte, mode 0, binary
)

// readPIT latches channel 2's count between two TSC reads.
func readPIT() clockPoint {
	t0 := amd64.Rdtsc()
	amd64.Outb(pitCommand, pitLatch2)
	t1 := amd64.Rdtsc()
	lo := amd64.Inb(pitCh2)
	hi := amd64.Inb(pitCh2)
	return clockPoint{uint64(hi)<<8 | uint64(lo), t0 + (t1-t0)/2, t1 - t0}
}

// measureTSC counts TSC ticks over about 50 ms of the PIT: channel 2
// counts down once from 0xffff (55 ms) in mode 0; a point is read near
// the start and one near the end. ok is false if the count ran out
// before the second point (the host held this CPU up for more than the
// 5 ms left): the counter wraps then, and the difference would be wrong.
func measureTSC() (hz uint64, ok bool) {
	const span = pitHz / 20 // 50 ms of counts
	g := amd64.Inb(pitGate)
	amd64.Outb(pitGate, g&^0x03) // speaker off, gate low while programming
	amd64.Outb(pitCommand, pitMode0)
	amd64.Outb(pitCh2, 0xff)
	amd64.Outb(pitCh2, 0xff)
	amd64.Outb(pitGate, g&^0x02|0x01) // gate high: counting starts
	a := sharpest(readPIT)
	for a.count-readPIT().count < span {
	}
	b := sharpest(readPIT)
	ok = amd64.Inb(pitGate)&pitOut2 == 0 && b.count < a.count
	amd64.Outb(pitGate, g&^0x03)
	if !ok {
		return 0, false
	}
	return (b.tsc - a.tsc) * pitHz / (a.count - b.count), true
}
