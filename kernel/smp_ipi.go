package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/dev/lapic"
	"gopreempt/percpu"
	"gopreempt/trace"
)

// The IPIs the kernel sends, by logical CPU number (Linux's
// smp_send_reschedule and the NMI backtrace's apic->send_IPI). The local
// APIC addresses CPUs by APIC ID, which is per-CPU data: boot writes it
// into each CPU's CPULocal block (amd64.CPULocal.APICID) before the CPU
// comes online, and the sender reads the target CPU's copy (per_cpu).
//
// The device sends with interrupts off and leaves turning them off to
// its caller (dev/lapic/ipi.go): here, with local_irq_save, so that an
// IPI send is an interrupts-off section the irqsoff latency tracer sees
// like any other, with its IPISend event inside it.

// apicID returns CPU cpu's local APIC ID.
func apicID(cpu int) uint32 { return uint32(percpu.CPULocal(cpu).APICID) }

// smpSendReschedule interrupts CPU cpu so that it looks at need_resched
// on its way out of the interrupt (the work is on the return path).
func smpSendReschedule(cpu int) {
	fl := LocalIrqSave()
	trace.IPISend(amd64.VecResched, cpu)
	lapic.SendIPI(apicID(cpu), amd64.VecResched)
	LocalIrqRestore(fl)
}

// sendNMI sends a non-maskable interrupt to CPU cpu. It reaches a CPU
// that has interrupts off; the stall report uses it for a backtrace.
func sendNMI(cpu int) {
	fl := LocalIrqSave()
	lapic.SendNMI(apicID(cpu))
	LocalIrqRestore(fl)
}

// sendIPIAllButSelf sends vector v to every other online CPU.
func sendIPIAllButSelf(v uint32) {
	fl := LocalIrqSave()
	trace.IPISend(v, -1) // -1: all but this CPU
	lapic.SendIPIAllButSelf(v)
	LocalIrqRestore(fl)
}
