package linux

import (
	"gopreempt/console"
	"gopreempt/irq"
	"gopreempt/kernel"
)

// The console as a file: writes go to the serial port; a read sleeps on a
// wait queue until the UART's receive interrupt has put bytes in the
// console's ring.

var consoleWait kernel.WaitQueue

func consoleWrite(b []byte) { console.Write(b) }

func consoleRead(b []byte, nonblock bool) int64 {
	if len(b) == 0 {
		return 0
	}
	for {
		consoleWait.PrepareToWait(kernel.TASK_INTERRUPTIBLE)
		if n := console.ReadBuffered(b); n > 0 || nonblock {
			consoleWait.FinishWait()
			if n == 0 {
				return -EAGAIN
			}
			return int64(n)
		}
		if kernel.SignalPending() {
			consoleWait.FinishWait()
			return -kernel.ERESTARTSYS // a tty read restarts after SA_RESTART
		}
		kernel.Schedule()
	}
}

// consoleInterrupt is the UART's handler (hardirq context).
func consoleInterrupt() {
	if console.RxInterrupt() {
		consoleWait.WakeUp()
	}
}

// enableConsoleInput routes the UART's IRQ 4 and turns its interrupt on.
func enableConsoleInput() {
	irq.EnableDeviceIRQ(4, consoleInterrupt)
	console.EnableRxInterrupt()
}
