// Package lapic drives this CPU's local APIC (SDM Vol. 3A, chapter 11):
// enable, EOI, the ID, sending IPIs (the NMI and the INIT-SIPI start-up
// included) and the timer's registers. It is a device driver and nothing
// more: which vector means what, when an IPI is sent and what the timer is
// used for are the kernel's decisions (kernel/irq.go, kernel/smp_ipi.go,
// kernel/clockevents.go).
//
// It builds on the TamaGo project's lapic driver and uses its register
// names; the registers that driver does not name (the task priority and
// the timer's divide and count registers) carry Linux's names from
// arch/x86/include/asm/apicdef.h. Two things TamaGo offers are not used:
// its ID() keeps four bits of the ID where xAPIC has eight (SDM Vol. 3A,
// 11.4.6), and its IPI waits for delivery with runtime.Gosched, which
// interrupt context cannot call; this driver polls the delivery-status
// bit instead.
//
// Any context: every function is short, allocates nothing and touches
// only the calling CPU's APIC. Registers are the same physical page on
// every CPU (the APIC base MSR is left at its reset value), each CPU
// reaching its own APIC through it.
package lapic

import (
	tamago "github.com/usbarmory/tamago/amd64/lapic"

	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
)

// Registers and fields TamaGo's driver does not name (SDM Vol. 3A,
// 11.4.1, 11.5.4, 11.8.3.1), after Linux's names (MSR_IA32_APICBASE,
// APIC_TASKPRI, APIC_TMICT, APIC_TMCCT, APIC_TDCR, APIC_LVT_MASKED,
// APIC_TDR_DIV_16).
const (
	msrAPICBase        = 0x1b
	msrAPICBaseEnable  = 1 << 11 // xAPIC global enable
	msrAPICBaseAddress = ^uint64(0xfff)

	apicTASKPRI = 0x80  // task priority register
	apicTMICT   = 0x380 // timer initial count
	apicTMCCT   = 0x390 // timer current count
	apicTDCR    = 0x3e0 // timer divide configuration

	apicLVTMasked = 1 << 16 // in every LVT entry
	apicTDRDiv16  = 0x3     // divide configuration: by 16
)

var apic tamago.LAPIC

func reg(r uint32) *uint32 { return (*uint32)(addr.Ptr(uintptr(apic.Base + r))) }

// Enable enables this CPU's local APIC: globally (the base MSR), at task
// priority 0 so that every vector is accepted, with spurious as its
// spurious-interrupt vector (SDM Vol. 3A, 11.4.3, 11.9). Interrupts off.
func Enable(spurious uint32) {
	base := amd64.Rdmsr(msrAPICBase)
	apic.Base = uint32(base & msrAPICBaseAddress)
	amd64.Wrmsr(msrAPICBase, base|msrAPICBaseEnable)
	*reg(apicTASKPRI) = 0
	*reg(tamago.LAPIC_SVR) = spurious
	apic.Enable()
}

// EOI signals the end of the interrupt being handled (SDM Vol. 3A,
// 11.8.5). Spurious interrupts take none.
func EOI() { apic.ClearInterrupt() }

// ID returns this CPU's local APIC ID, bits 31:24 of the ID register.
func ID() uint32 { return *reg(tamago.LAPIC_ID) >> tamago.ID }
