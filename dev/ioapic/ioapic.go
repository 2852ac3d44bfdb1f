// Package ioapic drives the I/O APIC, which routes device interrupts (ISA
// IRQs and PCI lines, as "global system interrupts") to local APICs
// (82093AA datasheet; ACPI MADT). It builds on the TamaGo project's ioapic
// driver, which programs a redirection entry to the boot CPU, and uses
// its register names. What TamaGo does not do is done here: every entry
// is masked first, so that only the devices the kernel asks for can
// interrupt. Which vector a device gets is the kernel's choice
// (kernel/irq.go). Boot time only, interrupts off.
package ioapic

import (
	tamago "github.com/usbarmory/tamago/soc/intel/ioapic"

	"gopreempt/internal/addr"
)

// base is the standard address, which QEMU's MADT reports; the boot code
// maps the page uncached.
const base = 0xfec00000

var ioa = tamago.IOAPIC{Index: 0, Base: base}

func write(reg, v uint32) {
	*(*uint32)(addr.Ptr(uintptr(base + tamago.IOREGSEL))) = reg
	*(*uint32)(addr.Ptr(uintptr(base + tamago.IOWIN))) = v
}

// Init masks every redirection entry (the low word of entry i is
// register IOAPICREDTBLn+2i).
func Init() {
	ioa.Init()
	for i := 0; i < ioa.Entries(); i++ {
		write(tamago.IOAPICREDTBLn+uint32(2*i), 1<<tamago.REDTBL_MASK)
	}
}

// EnableInterrupt routes global system interrupt gsi to vector v on the
// boot CPU, unmasked.
func EnableInterrupt(gsi int, v int) { ioa.EnableInterrupt(gsi, v) }
