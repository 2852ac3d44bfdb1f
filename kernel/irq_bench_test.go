package kernel_test

import (
	"sync/atomic"
	"testing"

	"gopreempt/arch/amd64"
	"gopreempt/dev/lapic"
	"gopreempt/kernel"
)

// BenchmarkTimerInterruptPath is one round trip through the timer
// interrupt's path: a self-IPI on the timer's vector, taken as the
// local APIC driver turns interrupts back on after sending it, through
// the entry stub, HandleTrap, handleIRQ, the timer's handler (the hrtimer
// interrupt, which finds nothing due or runs the tick if it is due), EOI,
// irqentryExit and back. Under QEMU's -icount shift=0 its ns/op are guest
// instructions (docs/design.md has the table). irqs/op is at least 1,
// since each round trip waits for its own interrupt, and more only by
// the real timer interrupts that came in between.
func BenchmarkTimerInterruptPath(b *testing.B) {
	count := &kernel.IRQCounts[amd64.VecTimer]
	start := atomic.LoadUint64(count)
	for i := 0; i < b.N; i++ {
		c := atomic.LoadUint64(count)
		fl := amd64.IrqSave() // the device sends with interrupts off
		lapic.SendIPISelf(amd64.VecTimer)
		amd64.IrqRestore(fl)
		for atomic.LoadUint64(count) == c {
		}
	}
	b.ReportMetric(float64(atomic.LoadUint64(count)-start)/float64(b.N), "irqs/op")
}
