package lapic

import (
	"sync/atomic"

	tamago "github.com/usbarmory/tamago/amd64/lapic"

	"gopreempt/arch/amd64"
)

// Sending inter-processor interrupts through the interrupt command
// register (SDM Vol. 3A, 11.6.1): the destination's APIC ID in the high
// half, and in the low half the vector, the delivery mode, the level and
// a destination shorthand. Writing the low half sends; the
// delivery-status bit stays set until the target APIC has accepted it.
//
// Every send expects interrupts off on this CPU: a handler that sent an
// IPI between the two halves would overwrite the high half. The caller
// turns them off, not this package: the kernel does it with
// local_irq_save (kernel/smp_ipi.go), so that the section is one the
// irqsoff latency tracer sees, which a raw mask down here would hide
// from it (this package is below the kernel and cannot call it). The
// check is one flags read: a send with interrupts on is still made
// safely, with them masked for the write, and counted
// (SendsWithInterruptsOn), which the kernel's tests require to stay 0.

// icrLevelAssert is the level bit, which INIT and Start-Up take as 1
// (TamaGo's ICR_INIT is the bit's position).
const icrLevelAssert = 1 << tamago.ICR_INIT

// SendIPI sends a fixed interrupt on vector v to the CPU whose local
// APIC ID is apicID. Interrupts off, as for every send here.
func SendIPI(apicID, v uint32) { sendICR(apicID<<tamago.ID, tamago.ICR_DLV_IRQ|v) }

// SendIPIAllButSelf sends vector v to every CPU but this one (destination
// shorthand 11b).
func SendIPIAllButSelf(v uint32) { sendICR(0, tamago.ICR_DST_REST|tamago.ICR_DLV_IRQ|v) }

// SendIPISelf sends vector v to this CPU (destination shorthand 01b).
// The timer-path benchmark (kernel/irq_bench_test.go) uses it.
func SendIPISelf(v uint32) { sendICR(0, tamago.ICR_DST_SELF|tamago.ICR_DLV_IRQ|v) }

// SendNMI sends a non-maskable interrupt (delivery mode 100b, no vector)
// to the CPU with APIC ID apicID: it arrives even with interrupts off.
func SendNMI(apicID uint32) { sendICR(apicID<<tamago.ID, tamago.ICR_DLV_NMI) }

// SendInit sends INIT, level assert, to the CPU with APIC ID apicID: it
// resets the processor into wait-for-SIPI (SDM Vol. 3A, 9.4.4.1). Boot
// sends it and the Start-Up IPIs with interrupts off too (boot/smp.go).
func SendInit(apicID uint32) {
	sendICR(apicID<<tamago.ID, tamago.ICR_DLV_INIT|icrLevelAssert)
}

// SendStartup sends a Start-Up IPI: a processor in wait-for-SIPI starts
// in real mode at page, that is at address page<<12.
func SendStartup(apicID uint32, page uint8) {
	sendICR(apicID<<tamago.ID, tamago.ICR_DLV_SIPI|icrLevelAssert|uint32(page))
}

// sendICR writes the command register, high half first, and polls the
// delivery-status bit before and after. Interrupts off (see above).
func sendICR(high, low uint32) {
	if amd64.InterruptsEnabled() {
		unmaskedSends.Add(1)
		fl := amd64.IrqSave()
		writeICR(high, low)
		amd64.IrqRestore(fl)
		return
	}
	writeICR(high, low)
}

func writeICR(high, low uint32) {
	for *reg(tamago.LAPIC_ICRL)&(1<<tamago.ICR_DLV_STATUS) != 0 {
		amd64.Pause()
	}
	*reg(tamago.LAPIC_ICRH) = high
	*reg(tamago.LAPIC_ICRL) = low
	for *reg(tamago.LAPIC_ICRL)&(1<<tamago.ICR_DLV_STATUS) != 0 {
		amd64.Pause()
	}
}

var unmaskedSends atomic.Uint64

// SendsWithInterruptsOn counts the sends whose caller broke the
// precondition (interrupts off) since boot.
func SendsWithInterruptsOn() uint64 { return unmaskedSends.Load() }
