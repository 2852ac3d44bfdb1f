package boot

import (
	"gopreempt/arch/amd64"
	"gopreempt/fpu"
	"gopreempt/kernel"
	"gopreempt/percpu"
)

// apStart is the first Go code an AP runs (called by apEntry64 on its
// boot stack, with interrupts off). It sets the processor up the way
// start sets up the boot CPU, makes its boot context the CPU's idle task,
// starts its local APIC timer, marks the CPU online, tells the boot CPU,
// and idles for good.
//
//lint:ignore U1000 called from trampoline_amd64.s (apEntry64)
func apStart(apicID uintptr) {
	st := &apState[apicID]
	if !st.CompareAndSwap(apStarting, apRunning) {
		// The boot CPU gave up on us and may have given our CPU number
		// to another processor: touch nothing.
		amd64.HaltForever()
	}
	// The trampoline set only the CR4 bits needed to reach Go code (PAE,
	// OSFXSR, OSXMMEXCPT); whatever else the boot CPU enabled must hold
	// on every CPU that runs the same tasks. (Bits that can only be set
	// in long mode, such as PCIDE, are fine to set here.)
	amd64.WriteCR4(bspCR4)
	cpu := int(apCPU[apicID])
	c := percpu.CPULocal(cpu)
	c.APICID = uint64(apicID)
	initCPU(c, cpu)
	fpu.InitCPU() // after initCPU: it finds its per-CPU state through GS
	if kernel.NewIdleTask(cpu, apStackLo[apicID], apStackTop[apicID]) == nil {
		st.Store(apNoMemory)
		amd64.HaltForever()
	}
	kernel.InitIRQAPCPU()
	kernel.SetCPUOnline(cpu)
	st.Store(apOnline)
	amd64.Sti()
	kernel.RunIdle()
}
