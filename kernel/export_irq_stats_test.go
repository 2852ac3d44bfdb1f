package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/percpu"
)

// IRQCountsBesideHandlers reads, on this CPU and with interrupts off (so
// that no interrupt is half counted), the interrupt counts of the timer
// and reschedule vectors beside the counts their handlers keep: the
// clock event's interrupts (hrtimer.go) and the reschedule IPIs
// (wake.go), in their low 32 bits as IRQStats keeps them.
func IRQCountsBesideHandlers() (cpu int, timer, timerHandler, resched, reschedHandler uint32) {
	fl := amd64.IrqSave()
	cpu = percpu.RawSmpProcessorID()
	s := percpu.ThisCPUPtr(irqStatsCPUs)
	timer, resched = s.Counts[amd64.VecTimer], s.Counts[amd64.VecResched]
	timerHandler = uint32(percpu.ThisCPUPtr(hrtimerBases).stats.Interrupts)
	reschedHandler = uint32(thisRQ().Stats.ReschedIPIs)
	amd64.IrqRestore(fl)
	return
}
