package linux

import (
	"gopreempt/console"
	"gopreempt/kernel"
)

// The console as a file: writes go to the serial port; reads wait for
// input by polling the UART once per tick (the UART interrupt is wired up
// with the I/O APIC later), sleeping in between.

func consoleWrite(b []byte) { console.Write(b) }

func consoleRead(b []byte, nonblock bool) int64 {
	if len(b) == 0 {
		return 0
	}
	for {
		n := 0
		for n < len(b) {
			c, ok := console.ReadByte()
			if !ok {
				break
			}
			if c == '\r' {
				c = '\n'
			}
			b[n] = c
			n++
			if c == '\n' {
				break
			}
		}
		if n > 0 {
			return int64(n)
		}
		if nonblock {
			return -EAGAIN
		}
		sleepUntil(kernel.Nanotime() + 10e6)
	}
}

func consoleReadable() bool { return false }
