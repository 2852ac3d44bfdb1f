package kernel

import "gopreempt/percpu"

// Per-CPU interrupt statistics: how many interrupts each CPU took, by
// vector (Linux's kstat_irqs, the per-CPU columns of /proc/interrupts,
// and irq_stat's NMI count), and, of them, which ended an idle halt
// (the wake-ups from idle by source that powertop reports).
//
// Each CPU counts its own, in its per-CPU block (percpu.go), with
// interrupts off: handleIRQ (irq.go) for every vector from 32 up, the
// NMI handler (trap.go) in VecNMI's slot. Nothing else writes them, so
// no update is lost, and an NMI, the one thing that can interrupt an
// increment, counts in a slot of its own. Other CPUs read them without a
// lock: a statistic, one increment behind at worst. The counts are 32
// bits, as Linux's are; a difference of two readings is right across a
// wrap.
//
// Interrupt context: countIRQ and countIdleEnd run in hardirq or NMI
// context: no allocation, no heap pointer writes, no stack growth.

// IRQStats is a CPU's interrupt counts.
type IRQStats struct {
	Counts   [256]uint32 // interrupts taken, by vector (the NMIs at VecNMI)
	IdleEnds [256]uint32 // of those handleIRQ took, the ones that ended an idle halt
}

// countIRQ counts an interrupt on vector v on this CPU. Interrupts off.
//
//go:nosplit
func countIRQ(v uint64) { percpu.ThisCPUPtr(irqStatsCPUs).Counts[v&255]++ }

// countIdleEnd counts an interrupt on vector v that ended this CPU's
// idle halt (tickIrqEnter said so). Interrupts off.
//
//go:nosplit
func countIdleEnd(v uint64) { percpu.ThisCPUPtr(irqStatsCPUs).IdleEnds[v&255]++ }

// IRQStatsOf returns a copy of CPU cpu's interrupt counts (tests and
// reports).
func IRQStatsOf(cpu int) IRQStats { return *percpu.PerCPU(irqStatsCPUs, cpu) }

// Total is the number of interrupts counted, all vectors.
func (s *IRQStats) Total() uint32 {
	var n uint32
	for _, c := range s.Counts {
		n += c
	}
	return n
}
