// Command stall stops the Go runtime on purpose: a goroutine spins in a
// loop without function calls, which the runtime cannot preempt (signals
// are not delivered), and a garbage collection then waits for it for
// ever. The kernel's stall detector must notice and report.
package main

import (
	"fmt"
	"runtime"
	"time"

	_ "gopreempt/boot"
	"gopreempt/kernel"
)

var sink uint64

func main() {
	kernel.StallLimit = 2e9
	fmt.Println("stall test: stopping the world behind a spinning goroutine")
	go func() {
		for {
			sink++
		}
	}()
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Println("stall test: the collection finished, which is wrong")
}
