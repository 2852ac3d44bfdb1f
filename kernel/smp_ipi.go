package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/dev/lapic"
	"gopreempt/trace"
)

// The IPIs the kernel sends, by logical CPU number (Linux's
// smp_send_reschedule and the NMI backtrace's apic->send_IPI). The local
// APIC addresses CPUs by APIC ID, which boot records for each CPU as it
// comes up.

// apicIDs maps logical CPU numbers to local APIC IDs.
var apicIDs [MaxCPUs]uint32

// SetAPICID records the local APIC ID of logical CPU cpu. Boot time only.
func SetAPICID(cpu int, id uint32) { apicIDs[cpu] = id }

// smpSendReschedule interrupts CPU cpu so that it looks at need_resched
// on its way out of the interrupt (the work is on the return path).
func smpSendReschedule(cpu int) {
	trace.IPISend(amd64.VecResched, cpu)
	lapic.SendIPI(apicIDs[cpu], amd64.VecResched)
}

// sendNMI sends a non-maskable interrupt to CPU cpu. It reaches a CPU
// that has interrupts off; the stall report uses it for a backtrace.
func sendNMI(cpu int) { lapic.SendNMI(apicIDs[cpu]) }
