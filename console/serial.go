// Package console is the kernel's serial console: COM1, a 16550 UART at
// I/O port 0x3f8, driven by the TamaGo project's uart package. Everything
// the kernel and the Go program print goes here (the program's fds 1 and
// 2 are this console), and QEMU connects it to its standard output.
//
// Write may be called from any context, interrupts on or off: it polls
// the transmitter and holds a raw lock (interrupts off) for a whole write
// so that lines from different CPUs and handlers never interleave.
package console

import (
	"github.com/usbarmory/tamago/soc/intel/uart"

	"gopreempt/arch/amd64"
)

var com1 = uart.UART{Index: 1, Base: 0x3f8}

var lock amd64.RawLock

// 16550 registers not named by the driver (PC16550D datasheet, table 2).
const (
	regDLL = 0 // divisor latch, low byte (when LCR.DLAB = 1)
	regDLM = 1 // divisor latch, high byte
	regFCR = 2
	regLCR = 3
)

// Init programs 115200 baud, 8 data bits, no parity, one stop bit, FIFOs
// on. QEMU ignores the line settings, but real 16550s and some emulators
// need them, and the driver's Init only sets the modem control lines.
func Init() {
	amd64.Outb(0x3f8+uart.IER, 0)  // no interrupts yet
	amd64.Outb(0x3f8+regLCR, 0x80) // DLAB on
	amd64.Outb(0x3f8+regDLL, 1)    // 115200 / 1
	amd64.Outb(0x3f8+regDLM, 0)    //
	amd64.Outb(0x3f8+regLCR, 0x03) // 8N1, DLAB off
	amd64.Outb(0x3f8+regFCR, 0x07) // FIFO on, both cleared
	com1.Init()
}

// Write prints b, turning "\n" into "\r\n" for terminals.
func Write(b []byte) {
	fl := lock.Lock()
	for _, c := range b {
		if c == '\n' {
			com1.Tx('\r')
		}
		com1.Tx(c)
	}
	lock.Unlock(fl)
}
