package console

import "gopreempt/arch/amd64"

// Console input. The UART raises IRQ 4 when a byte arrives (IER bit 0,
// with OUT2 set in MCR so that the interrupt reaches the I/O APIC); the
// handler moves the received bytes into a ring, from which readers take
// them. RxInterrupt runs in hardirq context: no allocation.
var rx struct {
	lock amd64.RawLock
	buf  [1024]byte
	r, w uint32
}

const regIER = 1

// EnableRxInterrupt turns on the receive interrupt.
func EnableRxInterrupt() { amd64.Outb(0x3f8+regIER, 1) }

// RxInterrupt drains the UART into the ring and reports whether anything
// arrived.
func RxInterrupt() bool {
	got := false
	fl := rx.lock.Lock()
	for {
		c, ok := com1.Rx(false)
		if !ok {
			break
		}
		if rx.w-rx.r < uint32(len(rx.buf)) {
			rx.buf[rx.w%uint32(len(rx.buf))] = c
			rx.w++
		}
		got = true
	}
	rx.lock.Unlock(fl)
	return got
}

// ReadBuffered moves up to len(b) received bytes into b, stopping after a
// newline, and returns how many.
func ReadBuffered(b []byte) int {
	fl := rx.lock.Lock()
	n := 0
	for n < len(b) && rx.r != rx.w {
		c := rx.buf[rx.r%uint32(len(rx.buf))]
		rx.r++
		if c == '\r' {
			c = '\n'
		}
		b[n] = c
		n++
		if c == '\n' {
			break
		}
	}
	rx.lock.Unlock(fl)
	return n
}
