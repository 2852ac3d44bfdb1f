// Command preemptmodel reports the preemption model the kernel command
// line selected, and what it does to a CPU-bound kthread: how far a
// counting kthread gets while the other spins for 300 ms.
package main

import (
	"fmt"
	"sync/atomic"
	"time"

	"gopreempt/arch/amd64"
	_ "gopreempt/boot"
	"gopreempt/kernel"
)

func main() {
	var count atomic.Uint64
	counter := kernel.KthreadRun("counter", func(k *kernel.Kthread) {
		for !k.ShouldStop() {
			count.Add(1)
			kernel.CondResched()
		}
	})
	time.Sleep(20 * time.Millisecond)
	var progress, fromIRQ uint64
	spinner := kernel.KthreadRun("spinner", func(k *kernel.Kthread) {
		c0 := count.Load()
		ticks := uint64(0.3 * float64(kernel.TSCFrequency()))
		for start := amd64.Rdtsc(); amd64.Rdtsc()-start < ticks; {
		}
		progress = count.Load() - c0
		fromIRQ = k.Task().Stats.PreemptFromIRQ
	})
	<-spinner.Done()
	kernel.KthreadStop(counter)
	fmt.Printf("model=%d progress=%d preempt_irq=%d\n", kernel.Model, progress, fromIRQ)
}
