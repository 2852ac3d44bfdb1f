package amd64

// The interrupt vectors the kernel gives its devices and IPIs (Linux's
// arch/x86/include/asm/irq_vectors.h). Vectors 0-31 are the CPU's
// exceptions (idt.go). 0x20-0x2f is where the legacy PIC is remapped to
// and masked (dev/pic), so nothing it might still raise lands on an
// exception; the local APIC timer shares the first of them, which the
// masked PIC never uses. Device interrupts routed by the I/O APIC start
// at VecIOAPIC (GSI n arrives on VecIOAPIC+n). The IPIs sit at the top,
// in the highest priority class, below the spurious vector.
const (
	VecTimer    = 0x20 // local APIC timer: the clock event device
	VecIOAPIC   = 0x30 // first device interrupt from the I/O APIC
	VecResched  = 0xf0 // reschedule IPI
	VecTLB      = 0xf2 // TLB shootdown IPI
	VecSpurious = 0xff // local APIC spurious-interrupt vector
)
