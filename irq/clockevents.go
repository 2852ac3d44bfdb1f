package irq

import (
	"math/bits"
	"sync/atomic"

	"github.com/usbarmory/tamago/amd64/lapic"

	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// The local APIC timer as a one-shot clock event device (Linux's
// clockevents, kernel/time/clockevents.c, and the lapic_next_event and
// lapic_next_deadline of arch/x86/kernel/apic/apic.c). The kernel's
// high-resolution timers (kernel/hrtimer.go) ask it for one interrupt at
// the earliest expiry on this CPU; it fires once and stays quiet until
// it is programmed again. The scheduler tick is one of those timers
// (kernel/tick_sched.go), so the timer is never periodic.
//
// Two modes (SDM Vol. 3A, 11.5.4 and 11.5.4.1):
//   - TSC-deadline, where CPUID.01H:ECX.TSC_Deadline[bit 24] says the CPU
//     has it: the deadline is written to IA32_TSC_DEADLINE as a TSC value,
//     exact to a TSC tick. Not under TCG: QEMU's -cpu max lacks it.
//   - One-shot: the initial-count register counts down at the calibrated
//     rate (TimerHz, calibrate.go) divided by 16, and the interrupt comes
//     at zero. The count is rounded up, so the interrupt is never early
//     by the conversion; it holds 32 bits, over a minute at 1 GHz / 16,
//     and a later expiry is clamped (the interrupt then finds nothing due
//     and programs the rest).
//
// Interrupt context: lapicNextEvent runs with interrupts off, from the
// timer interrupt or under a timer base's lock, on the CPU it programs.

const (
	msrTSCDeadline   = 0x6e0
	cpuidTSCDeadline = 1 << 24 // CPUID.01H:ECX
	timerDivide      = 16
	regDivide16      = 0x3
	minDeltaNs       = 1000 // the soonest the device is asked for: 1 µs
)

// tscDeadline is set when the CPU has the TSC-deadline timer.
var tscDeadline bool

// ClockEventMode names the mode the local APIC timers run in.
func ClockEventMode() string {
	if tscDeadline {
		return "tsc-deadline"
	}
	return "oneshot"
}

// clockeventsSetup puts this CPU's local APIC timer in one-shot or
// TSC-deadline mode, hands it to the kernel as the clock event device,
// and starts the tick. Interrupts off.
func clockeventsSetup() {
	if amd64.ThisCPU().ID == 0 {
		_, _, c, _ := amd64.Cpuid(1, 0)
		tscDeadline = c&cpuidTSCDeadline != 0
		kernel.SetClockEventDevice(lapicNextEvent)
	}
	*lapicReg(regInitCnt) = 0
	if tscDeadline {
		apic.SetTimer(VecTimer, lapic.TIMER_MODE_TSC_DEADLINE)
		// The LVT write and the first WRMSR to IA32_TSC_DEADLINE
		// must not pass each other (SDM Vol. 3A, 11.5.4.1): a locked
		// instruction orders them as MFENCE would.
		var fence uint32
		atomic.AddUint32(&fence, 1)
	} else {
		*lapicReg(regDivide) = regDivide16
		apic.SetTimer(VecTimer, lapic.TIMER_MODE_ONE_SHOT)
	}
	kernel.TickSetup()
}

// lapicNextEvent programs this CPU's timer to interrupt at Nanotime
// expires (clock_event_device.set_next_event), or stops it for expires
// 0: a zero initial count or deadline disarms the timer (SDM Vol. 3A,
// 11.5.4, 11.5.4.1).
func lapicNextEvent(expires uint64) {
	if expires == 0 {
		if tscDeadline {
			amd64.Wrmsr(msrTSCDeadline, 0)
		} else {
			*lapicReg(regInitCnt) = 0
		}
		return
	}
	now := kernel.Nanotime()
	delta := uint64(minDeltaNs)
	if expires > now+minDeltaNs {
		delta = expires - now
	}
	if tscDeadline {
		amd64.Wrmsr(msrTSCDeadline, amd64.Rdtsc()+mulDivUp(delta, kernel.TSCFrequency(), 1e9))
		return
	}
	count := mulDivUp(delta, TimerHz/timerDivide, 1e9)
	*lapicReg(regInitCnt) = uint32(min(max(count, 1), 0xffffffff))
}

// mulDivUp is a*b/c rounded up, without overflow for any a and b whose
// quotient fits 64 bits.
func mulDivUp(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	lo, carry := bits.Add64(lo, c-1, 0)
	hi += carry
	if hi >= c {
		return ^uint64(0)
	}
	q, _ := bits.Div64(hi, lo, c)
	return q
}

// SetHZ changes the tick rate (hz= on the command line). Every CPU's
// tick timer reads HZ when it restarts, so each CPU follows at its next
// tick.
func SetHZ(hz int) { kernel.HZ = hz }

// TimerSetup reads back how this CPU's timer is programmed (SDM Vol. 3A,
// 11.5.4): its mode ("oneshot", "periodic", "tsc-deadline", or "masked")
// and, in one-shot mode, the cycles of the timer input clock (initial
// count times the divider) it was last started for, which is never more
// than the time to this CPU's next timer, the tick included. Tests
// compare it with 1/HZ; it reads the hardware, so it shows what the CPU
// will do, which the tick counts of a starved emulator do not.
func TimerSetup() (mode string, cycles uint64) {
	fl := LocalIrqSave()
	lvt, count, div := *lapicReg(regLVTTimer), *lapicReg(regInitCnt), *lapicReg(regDivide)
	LocalIrqRestore(fl)
	// Divide configuration: bits 0, 1 and 3 hold log2(divider)-1, with
	// 111b meaning divide by 1.
	code := div&3 | div>>1&4
	by := uint64(1)
	if code != 7 {
		by = 2 << code
	}
	switch {
	case lvt&(1<<16) != 0:
		mode = "masked"
	case lvt>>17&3 == 0:
		mode = "oneshot"
	case lvt>>17&3 == 1:
		mode = "periodic"
	default:
		mode = "tsc-deadline"
	}
	return mode, uint64(count) * by
}
