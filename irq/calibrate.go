package irq

import (
	"math/bits"
	"slices"

	"github.com/usbarmory/tamago/amd64/lapic"
	"gopreempt/arch/amd64"
)

// Calibration: the TSC against the PIT, then the local APIC timer against
// the TSC. Boot CPU, interrupts off.
//
// Each measurement takes two points, each a reading of the clock being
// measured between two reads of the TSC. The obvious alternative, timing
// a countdown by polling for its end, says when the poll noticed the end:
// if the host ran another thread just then (QEMU's virtual CPUs are host
// threads), the window looks longer than it was, and every clock derived
// from it is off by as much (several percent were seen on a busy host).
// A point is exact to within the distance between its two TSC reads, and
// of a few taken in a row the one with the closest reads is exact to a
// few microseconds whatever the host did before or after it. Three
// measurements are taken and the median kept, so that one spoiled all
// the same does not decide.

// clockPoint is a reading of some counter and of the TSC at the same
// time, give or take width TSC ticks.
type clockPoint struct {
	count uint64
	tsc   uint64
	width uint64
}

// sharpest returns the narrowest of five readings in a row.
func sharpest(read func() clockPoint) clockPoint {
	best := read()
	for i := 0; i < 4; i++ {
		if p := read(); p.width < best.width {
			best = p
		}
	}
	return best
}

func median3(m [3]uint64) uint64 {
	slices.Sort(m[:])
	return m[1]
}

// CalibrateTSC measures the TSC rate against the PIT (pit.go).
func CalibrateTSC() uint64 {
	var m [3]uint64
	for i := 0; i < len(m); {
		if hz, ok := measureTSC(); ok {
			m[i] = hz
			i++
		}
	}
	return median3(m)
}

// readLAPICTimer reads the timer's current count between two TSC reads.
func readLAPICTimer() clockPoint {
	t0 := amd64.Rdtsc()
	c := *lapicReg(regCurCnt)
	t1 := amd64.Rdtsc()
	return clockPoint{uint64(c), t0 + (t1-t0)/2, t1 - t0}
}

// calibrateLAPICTimer measures the timer's input clock against the TSC,
// over 20 ms three times. The timer counts down from 0xffffffff with
// divide-by-16, which lasts over a minute at any plausible input clock.
func calibrateLAPICTimer(tscHz uint64) uint64 {
	*lapicReg(regDivide) = 0x3 // divide by 16
	apic.SetTimer(VecTimer, lapic.TIMER_MODE_ONE_SHOT)
	*lapicReg(regLVTTimer) |= 1 << 16 // masked while measuring
	var m [3]uint64
	for i := range m {
		*lapicReg(regInitCnt) = 0xffffffff
		a := sharpest(readLAPICTimer)
		for amd64.Rdtsc()-a.tsc < tscHz/50 {
		}
		b := sharpest(readLAPICTimer)
		// counts*16 / seconds, with seconds = ticks/tscHz; in 128
		// bits, so that no wait however long can overflow.
		hi, lo := bits.Mul64((a.count-b.count)*16, tscHz)
		m[i], _ = bits.Div64(hi, lo, b.tsc-a.tsc)
	}
	*lapicReg(regInitCnt) = 0
	return median3(m)
}
