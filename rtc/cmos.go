// Package rtc reads the CMOS real-time clock (MC146818, I/O ports 0x70 and
// 0x71). The kernel reads it once at boot for the wall clock; QEMU keeps
// it on the host's time, so tests also use its second boundaries as an
// independent reference for the kernel's TSC clock.
//
// TamaGo has an RTC driver (soc/intel/rtc), whose register names this
// package uses, but not its reader, for three reasons. Its Now returns a
// time.Time in a time.Location it loads on first use, which needs the Go
// runtime and allocates, and boot reads the clock before the runtime
// starts. It assumes BCD and 24-hour mode where this reader honours
// status register B's binary and 12-hour bits. And it fails on an update
// in progress and reads once, where this one waits the update out and
// reads until two readings agree.
package rtc

import (
	tamago "github.com/usbarmory/tamago/soc/intel/rtc"

	"gopreempt/arch/amd64"
)

// Registers TamaGo does not name (MC146818 datasheet). TamaGo's DOW is
// register 0x07, which holds the day of the month.
const (
	regStatusB = 0x0b

	statusB24h    = 0x02
	statusBBinary = 0x04
)

func read(r uint8) uint8 {
	amd64.Outb(tamago.CMOS_RTC_OUT, r)
	return amd64.Inb(tamago.CMOS_RTC_IN)
}

// updating reports an update in progress (status A's UIP bit): wait.
func updating() bool { return read(tamago.STATUSA)>>tamago.STATUSA_UIP&1 != 0 }

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
	h := read(tamago.HOURS)
	pm := h&0x80 != 0
	t := Time{
		Second: conv(read(tamago.SECONDS)),
		Minute: conv(read(tamago.MINUTES)),
		Hour:   conv(h & 0x7f),
		Day:    conv(read(tamago.DOW)),
		Month:  conv(read(tamago.MONTH)),
		Year:   fullYear(conv(read(tamago.YEAR))),
	}
	if b&statusB24h == 0 && pm {
		t.Hour = (t.Hour + 12) % 24
	}
	return t
}

// fullYear turns the clock's two-digit year into a year. Without
// reading the century register (whose index only ACPI's FADT gives),
// Linux's mc146818_get_time takes 70..99 as 1970..1999 and 0..69 as
// 2000..2069, so a clock set to the epoch reads the epoch; so does this.
func fullYear(yy int) int {
	if yy >= 70 {
		return 1900 + yy
	}
	return 2000 + yy
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
