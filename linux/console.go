package linux

import (
	"gopreempt/console"
	"gopreempt/kernel"
)

// The console as a file: writes go to the serial port; a read sleeps on a
// wait queue until the UART's receive interrupt has put bytes in the
// console's ring and woken it. No polling: a reader costs nothing until
// a byte arrives.

var consoleWait kernel.WaitQueueHead

func consoleWrite(b []byte) { console.Write(b) }

func consoleRead(b []byte, nonblock bool) int64 {
	if len(b) == 0 {
		return 0
	}
	n := 0
	ready := func() bool {
		n = console.ReadBuffered(b)
		return n > 0
	}
	if nonblock {
		if !ready() {
			return -EAGAIN
		}
		return int64(n)
	}
	// A tty read restarts after a SA_RESTART handler (-ERESTARTSYS).
	if r := consoleWait.WaitEventInterruptible(ready); r != 0 {
		return r
	}
	return int64(n)
}

// consoleInterrupt is the UART's handler (hardirq context).
func consoleInterrupt() {
	if console.RxInterrupt() {
		consoleWait.WakeUp()
	}
}

// enableConsoleInput routes the UART's IRQ 4 and turns its interrupt on.
func enableConsoleInput() {
	kernel.EnableDeviceIRQ(4, consoleInterrupt)
	console.EnableRxInterrupt()
}
