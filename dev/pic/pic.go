// Package pic turns off the legacy 8259A interrupt controllers. The
// firmware leaves them mapped at vectors 8-15, on top of CPU exceptions;
// the kernel uses the APICs instead (dev/lapic, dev/ioapic). So both PICs
// are reprogrammed to vectors 0x20-0x2f (out of the way should a spurious
// IRQ7/15 still arrive) and then fully masked (8259A datasheet, ICW1-ICW4
// and OCW1). TamaGo has no PIC driver; the port names are Linux's
// (arch/x86/include/asm/i8259.h). Boot CPU, interrupts off.
package pic

import "gopreempt/arch/amd64"

const (
	picMasterCmd = 0x20
	picMasterIMR = 0x21
	picSlaveCmd  = 0xa0
	picSlaveIMR  = 0xa1

	icw1Init      = 0x11 // ICW1: initialize, edge-triggered, ICW4 follows
	icw4Mode8086  = 0x01
	maskAll       = 0xff // OCW1
	masterBase    = 0x20 // ICW2: vector of IRQ0
	slaveBase     = 0x28 // ICW2: vector of IRQ8
	masterCascade = 0x04 // ICW3 (master): a slave on IRQ2
	slaveCascade  = 0x02 // ICW3 (slave): its cascade identity, 2
)

// Disable remaps both PICs out of the exception vectors and masks every
// line.
func Disable() {
	amd64.Outb(picMasterCmd, icw1Init)
	amd64.Outb(picSlaveCmd, icw1Init)
	amd64.Outb(picMasterIMR, masterBase)
	amd64.Outb(picSlaveIMR, slaveBase)
	amd64.Outb(picMasterIMR, masterCascade)
	amd64.Outb(picSlaveIMR, slaveCascade)
	amd64.Outb(picMasterIMR, icw4Mode8086)
	amd64.Outb(picSlaveIMR, icw4Mode8086)
	amd64.Outb(picMasterIMR, maskAll)
	amd64.Outb(picSlaveIMR, maskAll)
}
