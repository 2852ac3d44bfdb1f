package rtc

import (
	"testing"
	"time"
)

func TestUnixMatchesTimePackage(t *testing.T) {
	for _, want := range []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 2, 29, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 11, 23, 12, 10, 26, 0, time.UTC),
		time.Date(2099, 12, 31, 1, 2, 3, 0, time.UTC),
	} {
		got := Time{want.Year(), int(want.Month()), want.Day(), want.Hour(), want.Minute(), want.Second()}.Unix()
		if got != want.Unix() {
			t.Errorf("%v: Unix() = %d, want %d", want, got, want.Unix())
		}
	}
}

func TestFullYearAsLinuxReadsTwoDigits(t *testing.T) {
	for yy, want := range map[int]int{0: 2000, 26: 2026, 69: 2069, 70: 1970, 99: 1999} {
		if got := fullYear(yy); got != want {
			t.Errorf("fullYear(%d) = %d, want %d", yy, got, want)
		}
	}
}
