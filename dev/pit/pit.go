// Package pit drives channel 2 of the 8254 programmable interval timer,
// which the kernel uses once: as the known clock (1.193182 MHz) against
// which the TSC is calibrated (dev/calibrate). Channel 2 is used because
// its gate is software-controlled (port 0x61 bit 0) and its output can be
// read (port 0x61 bit 5), so no interrupt is needed (8254 datasheet; the
// PC/AT port 0x61 layout). TamaGo has no PIT driver; the names follow
// Linux's (include/linux/i8253.h, arch/x86/kernel/tsc.c). Boot CPU,
// interrupts off.
package pit

import "gopreempt/arch/amd64"

// PIT_TICK_RATE is the PIT's input clock in Hz.
const PIT_TICK_RATE = 1193182

const (
	pitCh2  = 0x42
	pitMode = 0x43 // command register
	port61  = 0x61 // PC/AT system control port B

	port61Gate2 = 0x01 // channel 2 gate
	port61Spkr  = 0x02 // speaker data enable
	port61Out2  = 0x20 // channel 2 output
	cmdLatch2   = 0x80 // counter latch, channel 2
	cmdCh2Mode0 = 0xb0 // channel 2, lobyte/hibyte, mode 0, binary
)

// Start programs channel 2 to count down once from 0xffff (55 ms) in
// mode 0, with the speaker off, and opens its gate: counting starts. It
// returns port 0x61 as it was, for Stop.
func Start() (saved uint8) {
	saved = amd64.Inb(port61)
	amd64.Outb(port61, saved&^(port61Gate2|port61Spkr)) // gate low while programming
	amd64.Outb(pitMode, cmdCh2Mode0)
	amd64.Outb(pitCh2, 0xff)
	amd64.Outb(pitCh2, 0xff)
	amd64.Outb(port61, saved&^port61Spkr|port61Gate2)
	return saved
}

// Latch freezes channel 2's count for ReadLatched. It is one OUT, which
// the calibration brackets with TSC reads.
func Latch() { amd64.Outb(pitMode, cmdLatch2) }

// ReadLatched reads the count Latch froze, low byte first.
func ReadLatched() uint16 {
	lo := amd64.Inb(pitCh2)
	hi := amd64.Inb(pitCh2)
	return uint16(hi)<<8 | uint16(lo)
}

// Expired reports whether the countdown has reached zero (the output of
// channel 2 goes high at terminal count in mode 0).
func Expired() bool { return amd64.Inb(port61)&port61Out2 != 0 }

// Stop closes channel 2's gate and turns the speaker off, given the port
// Start returned.
func Stop(saved uint8) { amd64.Outb(port61, saved&^(port61Gate2|port61Spkr)) }
