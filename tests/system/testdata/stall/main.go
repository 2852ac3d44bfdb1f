// Command stall stops the Go runtime on purpose: a goroutine spins in a
// loop without function calls, which the runtime cannot preempt (signals
// are not delivered), and a garbage collection then waits for it for
// ever. The kernel's stall detector must notice and report. With the
// argument "irqoff" the spinner also turns interrupts off on its CPU,
// which then answers only an NMI.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"

	_ "gopreempt/boot"
	"gopreempt/irq"
	"gopreempt/kernel"
)

var sink uint64

func main() {
	kernel.StallLimit = 2e9
	irqoff := len(os.Args) > 1 && os.Args[1] == "irqoff"
	fmt.Println("stall test: stopping the world behind a spinning goroutine, irqoff", irqoff)
	go func() {
		if irqoff {
			runtime.LockOSThread()
			irq.LocalIrqSave()
		}
		for {
			sink++
		}
	}()
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Println("stall test: the collection finished, which is wrong")
}
