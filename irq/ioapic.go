package irq

import (
	"github.com/usbarmory/tamago/soc/intel/ioapic"

	"gopreempt/internal/addr"
)

// The I/O APIC routes device interrupts (ISA IRQs and PCI lines, as
// "global system interrupts") to local APICs (82093AA datasheet; ACPI
// MADT). The TamaGo ioapic driver programs a redirection entry to the
// boot CPU; this file masks every entry first, so that only the devices
// the kernel handles can interrupt, and gives device IRQ n the vector
// VecIOAPIC+n.
const ioapicBase = 0xfec00000 // the standard address; QEMU's MADT reports it

var ioa = ioapic.IOAPIC{Index: 0, Base: ioapicBase}

func ioapicWrite(reg, v uint32) {
	*(*uint32)(addr.Ptr(uintptr(ioapicBase))) = reg
	*(*uint32)(addr.Ptr(uintptr(ioapicBase + 0x10))) = v
}

// initIOAPIC masks every redirection entry.
func initIOAPIC() {
	ioa.Init()
	for i := 0; i < ioa.Entries(); i++ {
		ioapicWrite(0x10+uint32(2*i), 1<<16) // mask bit
	}
}

// EnableDeviceIRQ routes ISA/GSI interrupt n to vector VecIOAPIC+n on the
// boot CPU and installs h for it. Boot time only.
func EnableDeviceIRQ(n int, h Handler) {
	Register(VecIOAPIC+n, h)
	ioa.EnableInterrupt(n, VecIOAPIC+n)
}
