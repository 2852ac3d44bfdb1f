package kernel

import (
	"math/bits"

	"gopreempt/arch/amd64"
)

// The clock. Time is the time-stamp counter, calibrated once at boot
// against the PIT (dev/calibrate), so that no frequency is hard-coded. The
// runtime reads the same clock without a system call, through the vDSO
// (vdso/), which computes Nanotime's formula from a copy of these
// parameters; UpdateVsyscall refreshes that copy whenever they change.
//
// Nanotime converts TSC ticks to nanoseconds with a 32.32 fixed-point
// multiplier: ns = delta * mult >> 32, computed with a 128-bit product so
// that it cannot overflow.

var clock struct {
	tsc0     uint64 // TSC at boot
	mult     uint64 // ns per TSC tick, times 2^32
	tscHz    uint64
	bootReal int64 // wall-clock time at boot, ns since the Unix epoch
}

// ClockShift is the fixed-point position of clock.mult.
const ClockShift = 32

// UpdateVsyscall, when set, is called after every change of the clock's
// parameters, as Linux's timekeeping_update() calls update_vsyscall():
// the vDSO's data page must follow the kernel's clock. It is
// vdso.UpdateVsyscall, which boot/hooks.go installs (vdso imports kernel).
var UpdateVsyscall func()

func clockChanged() {
	if UpdateVsyscall != nil {
		UpdateVsyscall()
	}
}

// ClockParams returns the clock's parameters: Nanotime is
// (TSC - tsc0) * mult >> ClockShift, Realtime is bootReal plus that.
func ClockParams() (tsc0, mult uint64, bootReal int64) {
	return clock.tsc0, clock.mult, clock.bootReal
}

// setTSCFrequency installs the calibrated TSC rate.
func setTSCFrequency(hz uint64) {
	clock.tscHz = hz
	clock.mult = (uint64(1e9) << ClockShift) / hz
	if clock.tsc0 == 0 {
		clock.tsc0 = amd64.Rdtsc()
	}
	clockChanged()
}

// TSCFrequency returns the calibrated TSC rate in Hz.
func TSCFrequency() uint64 { return clock.tscHz }

// SetBootRealtime records the wall-clock time at boot (from the RTC).
// Boot calls it once, after the TSC's calibration and before the first
// task, and nothing changes bootReal or mult afterwards: so Realtime,
// bootReal plus a monotonic clock, never goes backwards and is never
// below the RTC's reading (docs/vdso.md).
func SetBootRealtime(ns int64) {
	clock.bootReal = ns - int64(Nanotime())
	clockChanged()
}

// Nanotime is the monotonic clock: nanoseconds since boot.
func Nanotime() uint64 {
	if clock.mult == 0 {
		return 0
	}
	hi, lo := bits.Mul64(amd64.Rdtsc()-clock.tsc0, clock.mult)
	return hi<<(64-ClockShift) | lo>>ClockShift
}

// Realtime is the wall clock: nanoseconds since the Unix epoch.
func Realtime() int64 { return clock.bootReal + int64(Nanotime()) }
