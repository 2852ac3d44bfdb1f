package irq

import (
	"github.com/usbarmory/tamago/amd64/lapic"

	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/kernel"
	"gopreempt/trace"
)

// The local APIC (SDM Vol. 3A, chapter 11), through the TamaGo project's
// lapic driver for enable, EOI, the LVT timer and the ID. Two things are
// done here directly: the timer's divide and count registers (the driver
// does not cover them), and sending IPIs, because the driver's IPI waits
// for delivery with runtime.Gosched, which cannot be called from
// interrupt context; this kernel polls the delivery-status bit instead.
const (
	msrAPICBase = 0x1b

	regTPR      = 0x80
	regICRLow   = 0x300
	regICRHigh  = 0x310
	regLVTTimer = 0x320
	regInitCnt  = 0x380
	regCurCnt   = 0x390
	regDivide   = 0x3e0
	regSVR      = 0xf0

	icrPending = 1 << 12
)

var apic lapic.LAPIC

// TimerHz is the local APIC timer's input clock, measured at boot.
var TimerHz uint64

func lapicReg(r uint32) *uint32 { return (*uint32)(addr.Ptr(uintptr(apic.Base + r))) }

func lapicEOI() { apic.ClearInterrupt() }

// LapicID returns this CPU's local APIC ID.
func LapicID() uint32 { return *lapicReg(0x20) >> 24 }

// enableLAPIC enables this CPU's local APIC with the spurious vector.
func enableLAPIC() {
	base := amd64.Rdmsr(msrAPICBase)
	apic.Base = uint32(base &^ 0xfff)
	amd64.Wrmsr(msrAPICBase, base|1<<11) // global enable
	*lapicReg(regTPR) = 0                // accept every priority
	*lapicReg(regSVR) = VecSpurious
	apic.Enable()
}

// SendIPI sends vector v to the CPU with local APIC ID apicID and waits
// until the APIC has accepted it (SDM Vol. 3A, 11.6.1).
func SendIPI(apicID uint32, v uint32) { sendICR(apicID<<24, v) }

// SendNMI sends a non-maskable interrupt to CPU cpu: delivery mode 100b,
// no vector (SDM Vol. 3A, 11.6.1). It reaches a CPU that has interrupts
// off; the kernel's stall report uses it for a backtrace.
func SendNMI(cpu int) { sendICR(apicIDs[cpu]<<24, icrNMI) }

const icrNMI = 0x4 << 8

// SendIPIShorthand sends vector v with an ICR destination shorthand
// (self, all, all but self), which ignores the destination field.
func SendIPIShorthand(shorthand, v uint32) { sendICR(0, shorthand|v) }

// sendICR writes the interrupt command register, high half first (the
// write to the low half sends), and waits for the delivery-status bit to
// clear, polling: the TamaGo driver's wait yields to the Go scheduler,
// which interrupt context cannot do.
func sendICR(high, low uint32) {
	fl := LocalIrqSave()
	for *lapicReg(regICRLow)&icrPending != 0 {
		amd64.Pause()
	}
	*lapicReg(regICRHigh) = high
	*lapicReg(regICRLow) = low
	for *lapicReg(regICRLow)&icrPending != 0 {
		amd64.Pause()
	}
	LocalIrqRestore(fl)
}

// InitBootCPU sets up interrupts on the boot CPU: PIC off, local APIC on,
// TSC and timer calibrated, the timer a one-shot clock event device and
// the tick running at hz (clockevents.go).
func InitBootCPU(hz int) {
	disablePIC()
	enableLAPIC()
	initIOAPIC()
	tscHz := CalibrateTSC()
	kernel.SetTSCFrequency(tscHz)
	TimerHz = calibrateLAPICTimer(tscHz)
	Install()
	kernel.HZ = hz
	clockeventsSetup()
}

// InitAPCPU sets up interrupts on an application processor: its local
// APIC on, its timer a clock event device at the boot CPU's rate (the
// timer input clock is the same on every CPU, so the boot CPU's
// calibration holds), its tick started.
func InitAPCPU() {
	enableLAPIC()
	clockeventsSetup()
}

// apicIDs maps logical CPU numbers to local APIC IDs, for IPIs.
var apicIDs [kernel.MaxCPUs]uint32

// SetAPICID records the local APIC ID of logical CPU cpu.
func SetAPICID(cpu int, id uint32) { apicIDs[cpu] = id }

// SendReschedIPI interrupts CPU cpu so that it looks at need_resched on
// its way out of the interrupt (the work is on the return path).
func SendReschedIPI(cpu int) {
	trace.IPISend(VecResched, cpu)
	SendIPI(apicIDs[cpu], VecResched)
}
