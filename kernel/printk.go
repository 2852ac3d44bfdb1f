package kernel

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
	"gopreempt/console"
)

// printk: kernel messages without the Go heap.
//
// fmt allocates, and much of the kernel runs where allocation is forbidden
// (interrupt, exception and SYSCALL context). So kernel messages are built
// in a fixed buffer on the stack with a small chain of methods and printed
// in one console write:
//
//	kernel.Pr(kernel.KERN_INFO).S("cpu").U(id).S(" online").Emit()
//
// Levels are Linux's. A message is printed when its level is below the
// console log level (loglevel= on the command line, default 7).
//
// A message longer than the buffer is never cut and never loses its
// newline: when the buffer fills up, what it holds is printed as one
// piece that ends with the continuation marker '\' and a newline, and
// the message goes on in the emptied buffer. The console therefore only
// ever receives whole lines; a reader (or a tool) joins a line that
// ends in '\' with the next one to get the message back. Pieces are
// printed as the message is built, so a message is best built in one
// expression that ends in Emit.

// The levels, all of Linux's (include/linux/kern_levels.h): loglevel= and
// the console compare them as numbers, so every one has its meaning even
// where no message of the kernel's uses it (KERN_ALERT, KERN_CRIT).
const (
	KERN_EMERG   = 0
	KERN_ALERT   = 1
	KERN_CRIT    = 2
	KERN_ERR     = 3
	KERN_WARNING = 4
	KERN_NOTICE  = 5
	KERN_INFO    = 6
	KERN_DEBUG   = 7
)

// ConsoleLogLevel is the console log level (set from loglevel=).
var ConsoleLogLevel = 7

// Msg is a message being built. It is a value: each method returns the
// updated copy, so nothing escapes to the heap.
type Msg struct {
	level int
	n     int
	b     [200]byte
}

// ContinuationMarker ends a piece of a message that goes on in the next
// console line.
const ContinuationMarker = '\\'

// Pr starts a message at a level.
func Pr(level int) Msg { return Msg{level: level} }

// S appends a string.
func (m Msg) S(s string) Msg {
	for i := 0; i < len(s); i++ {
		m.put(s[i])
	}
	return m
}

// B appends bytes.
func (m Msg) B(s []byte) Msg {
	for _, c := range s {
		m.put(c)
	}
	return m
}

// put appends one byte. It always leaves two bytes free, for the marker
// and the newline of a piece or for the newline of Emit: when only those
// are left, the buffer is printed as a piece and emptied first.
func (m *Msg) put(c byte) {
	if m.n == len(m.b)-2 {
		m.b[m.n] = ContinuationMarker
		m.b[m.n+1] = '\n'
		m.write(m.b[:])
		m.n = 0
	}
	m.b[m.n] = c
	m.n++
}

// write prints a finished line if the message's level passes.
func (m *Msg) write(line []byte) {
	if m.level >= ConsoleLogLevel {
		return
	}
	if c := printkCapture; c != nil {
		c.add(line)
		return
	}
	console.Write(line)
}

// printkCapture, when set, receives the lines instead of the console:
// the kernel-mode tests read what printk made of a message through it
// (export_printk_test.go). A method call on a concrete type, not a func
// value, so that the compiler can see the line is only copied: handing
// it to an unknown function would move every message to the heap.
var printkCapture *lineCapture

// lineCapture keeps lines in fixed arrays (printk runs in every
// context, where nothing may allocate), in the order the console would
// have received them from all CPUs: a raw lock makes each line one
// append, as the console's lock makes it one write. Lines that do not
// fit are dropped.
type lineCapture struct {
	lock  amd64.RawLock
	buf   [32 << 10]byte
	n     int
	ends  [256]int // end of each line in buf
	lines int
}

func (c *lineCapture) add(line []byte) {
	fl := c.lock.Lock()
	if c.lines < len(c.ends) && c.n+len(line) <= len(c.buf) {
		c.n += copy(c.buf[c.n:], line)
		c.ends[c.lines] = c.n
		c.lines++
	}
	c.lock.Unlock(fl)
}

// U appends an unsigned decimal.
func (m Msg) U(v uint64) Msg {
	var t [20]byte
	i := len(t)
	for {
		i--
		t[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return m.B(t[i:])
}

// I appends a signed decimal.
func (m Msg) I(v int64) Msg {
	if v < 0 {
		return m.S("-").U(uint64(-v))
	}
	return m.U(uint64(v))
}

// X appends 0x and v in hex, without leading zeroes.
func (m Msg) X(v uint64) Msg {
	var t [16]byte
	i := len(t)
	for {
		i--
		t[i] = "0123456789abcdef"[v&15]
		v >>= 4
		if v == 0 {
			break
		}
	}
	return m.S("0x").B(t[i:])
}

// X16 appends v as 16 hex digits, the way register dumps show it.
func (m Msg) X16(v uint64) Msg {
	var t [16]byte
	for i := 15; i >= 0; i-- {
		t[i] = "0123456789abcdef"[v&15]
		v >>= 4
	}
	return m.B(t[:])
}

// printkEmitted counts the messages emitted at each level, printed or
// not (tests look for floods).
var printkEmitted [KERN_DEBUG + 1]atomic.Uint64

// PrintkCount returns how many messages at level have been emitted (for
// tests).
func PrintkCount(level int) uint64 { return printkEmitted[level&KERN_DEBUG].Load() }

// Emit prints the message followed by a newline if the level passes.
func (m Msg) Emit() {
	printkEmitted[m.level&KERN_DEBUG].Add(1)
	m.b[m.n] = '\n' // put left room for it
	m.write(m.b[:m.n+1])
}
