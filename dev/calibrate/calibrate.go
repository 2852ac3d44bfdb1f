// Package calibrate measures the clocks the kernel cannot be told: the TSC
// against the PIT (dev/pit), then the local APIC timer against the TSC
// (dev/lapic). Linux does the same in arch/x86/kernel/tsc.c
// (pit_calibrate_tsc) and arch/x86/kernel/apic/apic.c
// (calibrate_APIC_clock). Boot CPU, interrupts off, once.
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
package calibrate

import (
	"math/bits"
	"slices"

	"gopreempt/arch/amd64"
	"gopreempt/dev/lapic"
	"gopreempt/dev/pit"
)

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

// TSC returns the TSC rate in Hz, measured against the PIT.
func TSC() uint64 {
	var m [3]uint64
	for i := 0; i < len(m); {
		if hz, ok := measureTSC(); ok {
			m[i] = hz
			i++
		}
	}
	return median3(m)
}

// readPIT latches channel 2's count between two TSC reads.
func readPIT() clockPoint {
	t0 := amd64.Rdtsc()
	pit.Latch()
	t1 := amd64.Rdtsc()
	return clockPoint{uint64(pit.ReadLatched()), t0 + (t1-t0)/2, t1 - t0}
}

// measureTSC counts TSC ticks over about 50 ms of the PIT's 55 ms
// countdown: a point is read near the start and one near the end. ok is
// false if the count ran out before the second point (the host held this
// CPU up for more than the 5 ms left): the counter wraps then, and the
// difference would be wrong.
func measureTSC() (hz uint64, ok bool) {
	const span = pit.PIT_TICK_RATE / 20 // 50 ms of counts
	saved := pit.Start()
	a := sharpest(readPIT)
	for a.count-readPIT().count < span {
	}
	b := sharpest(readPIT)
	ok = !pit.Expired() && b.count < a.count
	pit.Stop(saved)
	if !ok {
		return 0, false
	}
	return (b.tsc - a.tsc) * pit.PIT_TICK_RATE / (a.count - b.count), true
}

// readLAPICTimer reads the timer's current count between two TSC reads.
func readLAPICTimer() clockPoint {
	t0 := amd64.Rdtsc()
	c := lapic.CurrentCount()
	t1 := amd64.Rdtsc()
	return clockPoint{uint64(c), t0 + (t1-t0)/2, t1 - t0}
}

// LAPICTimer returns the local APIC timer's input clock in Hz, measured
// against the TSC (running at tscHz) over 20 ms three times. The timer
// counts down from 0xffffffff with divide-by-16, masked, which lasts over
// a minute at any plausible input clock; it is left stopped.
func LAPICTimer(tscHz uint64) uint64 {
	lapic.SetOneShotMasked(amd64.VecTimer)
	var m [3]uint64
	for i := range m {
		lapic.SetInitialCount(0xffffffff)
		a := sharpest(readLAPICTimer)
		for amd64.Rdtsc()-a.tsc < tscHz/50 {
		}
		b := sharpest(readLAPICTimer)
		// counts*16 / seconds, with seconds = ticks/tscHz; in 128
		// bits, so that no wait however long can overflow.
		hi, lo := bits.Mul64((a.count-b.count)*lapic.TimerDivide, tscHz)
		m[i], _ = bits.Div64(hi, lo, b.tsc-a.tsc)
	}
	lapic.SetInitialCount(0)
	return median3(m)
}
