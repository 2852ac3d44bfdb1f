// Package rtc reads the CMOS real-time clock (MC146818, I/O ports 0x70 and
// 0x71). The kernel reads it once at boot for the wall clock; QEMU keeps
// it on the host's time, so tests also use its second boundaries as an
// independent reference for the kernel's TSC clock.
package rtc

import "gopreempt/arch/amd64"

const (
	regSeconds = 0x00
	regMinutes = 0x02
	regHours   = 0x04
	regDay     = 0x07
	regMonth   = 0x08
	regYear    = 0x09
	regStatusA = 0x0a
	regStatusB = 0x0b

	statusAUpdating = 0x80 // update in progress: wait
	statusB24h      = 0x02
	statusBBinary   = 0x04
)

func read(r uint8) uint8 {
	amd64.Outb(0x70, r)
	return amd64.Inb(0x71)
}

func updating() bool { return read(regStatusA)&statusAUpdating != 0 }

// Time is a reading of the clock.
type Time struct {
	Year, Month, Day, Hour, Minute, Second int
}

// Read reads the clock, waiting out an update in progress and reading
// twice until two readings agree (the usual way to avoid a torn read).
func Read() Time {
	var t, u Time
	for {
		for updating() {
		}
		t = readRaw()
		for updating() {
		}
		u = readRaw()
		if t == u {
			break
		}
	}
	return t
}

func readRaw() Time {
	b := read(regStatusB)
	conv := func(v uint8) int {
		if b&statusBBinary == 0 {
			return int(v>>4)*10 + int(v&15)
		}
		return int(v)
	}
	h := read(regHours)
	pm := h&0x80 != 0
	t := Time{
		Second: conv(read(regSeconds)),
		Minute: conv(read(regMinutes)),
		Hour:   conv(h & 0x7f),
		Day:    conv(read(regDay)),
		Month:  conv(read(regMonth)),
		Year:   2000 + conv(read(regYear)),
	}
	if b&statusB24h == 0 && pm {
		t.Hour = (t.Hour + 12) % 24
	}
	return t
}

// Unix returns t as seconds since 1970-01-01 UTC (days from civil date,
// the proleptic Gregorian calendar).
func (t Time) Unix() int64 {
	y, m := int64(t.Year), int64(t.Month)
	if m <= 2 {
		y--
		m += 12
	}
	era := y / 400
	yoe := y - era*400
	doy := (153*(m-3)+2)/5 + int64(t.Day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := era*146097 + doe - 719468
	return days*86400 + int64(t.Hour)*3600 + int64(t.Minute)*60 + int64(t.Second)
}
