package kernel

import (
	"math/bits"

	"gopreempt/arch/amd64"
	"gopreempt/dev/lapic"
	"gopreempt/percpu"
)

// The local APIC timer as a one-shot clock event device (Linux's
// clockevents, kernel/time/clockevents.c, and the lapic_next_event and
// lapic_next_deadline of arch/x86/kernel/apic/apic.c). The kernel's
// high-resolution timers (hrtimer.go) ask it for one interrupt at the
// earliest expiry on this CPU; it fires once and stays quiet until it is
// programmed again. The scheduler tick is one of those timers
// (tick_sched.go), so the timer is never periodic.
//
// Two modes (SDM Vol. 3A, 11.5.4 and 11.5.4.1), driven by dev/lapic:
//   - TSC-deadline, where CPUID.01H:ECX.TSC_Deadline[bit 24] says the CPU
//     has it: the deadline is written to IA32_TSC_DEADLINE as a TSC value,
//     exact to a TSC tick. Not under TCG: QEMU's -cpu max lacks it.
//   - One-shot: the initial-count register counts down at the calibrated
//     rate (lapic.TimerHz) divided by 16, and the interrupt comes at zero.
//     The count is rounded up, so the interrupt is never early by the
//     conversion; it holds 32 bits, over a minute at 1 GHz / 16, and a
//     later expiry is clamped (the interrupt then finds nothing due and
//     programs the rest).
//
// Interrupt context: clockeventsProgram runs with interrupts off, from
// the timer interrupt or under a timer base's lock, on the CPU it
// programs.

const minDeltaNs = 1000 // the soonest the device is asked for: 1 µs

var (
	// tscDeadline is set when the CPU has the TSC-deadline timer.
	tscDeadline bool
	// clockeventsReady is set once the boot CPU's timer is set up:
	// timers armed before then program nothing.
	clockeventsReady bool
)

// clockeventsSetup puts this CPU's local APIC timer in one-shot or
// TSC-deadline mode as the clock event device and starts the tick.
// Interrupts off.
func clockeventsSetup() {
	if percpu.RawSmpProcessorID() == 0 {
		tscDeadline = lapic.HasTSCDeadline()
		clockeventsReady = true
	}
	if tscDeadline {
		lapic.SetTSCDeadlineMode(amd64.VecTimer)
	} else {
		lapic.SetOneShot(amd64.VecTimer)
	}
	tickSetup()
}

// clockeventsProgram programs this CPU's timer to interrupt at Nanotime
// expires, or as soon as it can if that has passed
// (clockevents_program_event, with lapic_next_event's work), or stops it
// for expires 0: a zero initial count or deadline disarms the timer (SDM
// Vol. 3A, 11.5.4, 11.5.4.1).
func clockeventsProgram(expires uint64) {
	if !clockeventsReady {
		return
	}
	if expires == 0 {
		if tscDeadline {
			lapic.SetTSCDeadline(0)
		} else {
			lapic.SetInitialCount(0)
		}
		return
	}
	now := Nanotime()
	delta := uint64(minDeltaNs)
	if expires > now+minDeltaNs {
		delta = expires - now
	}
	if tscDeadline {
		lapic.SetTSCDeadline(amd64.Rdtsc() + mulDivUp(delta, TSCFrequency(), 1e9))
		return
	}
	count := mulDivUp(delta, lapic.TimerHz/lapic.TimerDivide, 1e9)
	lapic.SetInitialCount(uint32(min(max(count, 1), 0xffffffff)))
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
