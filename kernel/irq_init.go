package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/dev/calibrate"
	"gopreempt/dev/ioapic"
	"gopreempt/dev/lapic"
	"gopreempt/dev/pic"
)

// Bringing up interrupts on a CPU (Linux's init_IRQ, apic_intr_mode_init
// and setup_local_APIC): the devices in order, then the handlers, then
// the clock event device and the tick. Interrupts off.

// InitIRQBootCPU sets up interrupts on the boot CPU: PIC off, local APIC
// on, I/O APIC masked, TSC and timer calibrated, the timer a one-shot clock event device and the tick running at hz.
func InitIRQBootCPU(hz int) {
	pic.Disable()
	lapic.Enable(amd64.VecSpurious)
	ioapic.Init()
	tscHz := calibrate.TSC()
	setTSCFrequency(tscHz)
	lapic.TimerHz = calibrate.LAPICTimer(tscHz)
	HZ = hz
	clockeventsSetup()
}

// InitIRQAPCPU sets up interrupts on an application processor: its local
// APIC on, its timer a clock event device at the boot CPU's rate (the
// timer input clock is the same on every CPU, so the boot CPU's
// calibration holds), its tick started.
func InitIRQAPCPU() {
	lapic.Enable(amd64.VecSpurious)
	clockeventsSetup()
}
