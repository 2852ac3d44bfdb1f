package lapic

import (
	"sync/atomic"

	tamago "github.com/usbarmory/tamago/amd64/lapic"

	"gopreempt/arch/amd64"
)

// The local APIC timer (SDM Vol. 3A, 11.5.4): a 32-bit down-counter at
// the timer input clock divided by the divide configuration, or, in
// TSC-deadline mode (11.5.4.1), a comparator against the TSC written
// through IA32_TSC_DEADLINE. Either way it raises the vector of its LVT
// entry. What the kernel does with it is kernel/clockevents.go.
//
// Interrupts off: the timer is this CPU's, and the kernel programs it
// from the timer interrupt or under a timer base's lock.

const (
	msrTSCDeadline   = 0x6e0
	cpuidTSCDeadline = 1 << 24 // CPUID.01H:ECX.TSC_Deadline
	TimerDivide      = 16      // the divider SetOneShot configures
)

// TimerHz is the timer's input clock, measured once at boot against the
// TSC (dev/calibrate); the same on every CPU.
var TimerHz uint64

// HasTSCDeadline reports whether the CPU has the TSC-deadline mode.
func HasTSCDeadline() bool {
	_, _, c, _ := amd64.Cpuid(1, 0)
	return c&cpuidTSCDeadline != 0
}

// SetOneShot puts the timer in one-shot mode on vector v, dividing its
// input clock by 16, stopped until SetInitialCount.
func SetOneShot(v uint32) {
	*reg(apicTMICT) = 0
	*reg(apicTDCR) = apicTDRDiv16
	apic.SetTimer(int(v), tamago.TIMER_MODE_ONE_SHOT)
}

// SetOneShotMasked is SetOneShot with the interrupt masked: the count
// runs and can be read, for calibration.
func SetOneShotMasked(v uint32) {
	SetOneShot(v)
	*reg(tamago.LAPIC_LVT_TIMER) |= apicLVTMasked
}

// SetTSCDeadlineMode puts the timer in TSC-deadline mode on vector v,
// disarmed until SetTSCDeadline.
func SetTSCDeadlineMode(v uint32) {
	*reg(apicTMICT) = 0
	apic.SetTimer(int(v), tamago.TIMER_MODE_TSC_DEADLINE)
	// The LVT write and the first WRMSR to IA32_TSC_DEADLINE must not
	// pass each other (SDM Vol. 3A, 11.5.4.1): a locked instruction
	// orders them as MFENCE would.
	var fence uint32
	atomic.AddUint32(&fence, 1)
}

// SetInitialCount starts a one-shot countdown of n timer ticks; 0 stops
// the timer.
func SetInitialCount(n uint32) { *reg(apicTMICT) = n }

// CurrentCount reads the countdown.
func CurrentCount() uint32 { return *reg(apicTMCCT) }

// SetTSCDeadline arms the timer in TSC-deadline mode for TSC value tsc;
// 0 disarms it.
func SetTSCDeadline(tsc uint64) { amd64.Wrmsr(msrTSCDeadline, tsc) }

// TimerSetup reads back how this CPU's timer is programmed: its mode
// ("oneshot", "periodic", "tsc-deadline", or "masked") and, in one-shot
// mode, the cycles of the timer input clock (initial count times the
// divider) it was last started for, which is never more than the time to
// this CPU's next timer, the tick included. The SMP tests and the
// smpinfo system-test kernel compare it with 1/HZ: it reads the hardware,
// so it shows what the CPU will do, which the tick counts of a starved
// emulator do not.
func TimerSetup() (mode string, cycles uint64) {
	fl := amd64.IrqSave()
	lvt, count, div := *reg(tamago.LAPIC_LVT_TIMER), *reg(apicTMICT), *reg(apicTDCR)
	amd64.IrqRestore(fl)
	// Divide configuration: bits 0, 1 and 3 hold log2(divider)-1, with
	// 111b meaning divide by 1.
	code := div&3 | div>>1&4
	by := uint64(1)
	if code != 7 {
		by = 2 << code
	}
	switch {
	case lvt&apicLVTMasked != 0:
		mode = "masked"
	case lvt>>tamago.TIMER_MODE&3 == tamago.TIMER_MODE_ONE_SHOT:
		mode = "oneshot"
	case lvt>>tamago.TIMER_MODE&3 == tamago.TIMER_MODE_PERIODIC:
		mode = "periodic"
	default:
		mode = "tsc-deadline"
	}
	return mode, uint64(count) * by
}
