package irq

import "gopreempt/arch/amd64"

// The legacy 8259A PICs. The firmware leaves them mapped at vectors 8-15,
// on top of CPU exceptions; the kernel uses the APICs instead. So both
// PICs are reprogrammed to vectors 0x20-0x2f (out of the way should a
// spurious IRQ7/15 still arrive) and then fully masked (8259A datasheet,
// ICW1-ICW4 and OCW1).
func disablePIC() {
	amd64.Outb(0x20, 0x11) // ICW1: init, ICW4 follows
	amd64.Outb(0xa0, 0x11)
	amd64.Outb(0x21, 0x20) // ICW2: master base vector
	amd64.Outb(0xa1, 0x28) // ICW2: slave base vector
	amd64.Outb(0x21, 0x04) // ICW3: slave on IRQ2
	amd64.Outb(0xa1, 0x02)
	amd64.Outb(0x21, 0x01) // ICW4: 8086 mode
	amd64.Outb(0xa1, 0x01)
	amd64.Outb(0x21, 0xff) // OCW1: mask everything
	amd64.Outb(0xa1, 0xff)
}
