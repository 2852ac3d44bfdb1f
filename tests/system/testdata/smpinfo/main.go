// Command smpinfo reports what SMP bring-up achieved: the CPU count the Go
// runtime saw, the CPUs online in the kernel, and how many timer ticks
// each CPU took during a 300 ms sleep.
package main

import (
	"fmt"
	"runtime"
	"time"

	_ "gopreempt/boot"
	"gopreempt/kernel"
)

func main() {
	n := kernel.OnlineCPUs()
	fmt.Printf("smpinfo: numcpu=%d online=%d hz=%d\n", runtime.NumCPU(), n, kernel.HZ)
	before := make([]uint64, n)
	for cpu := range before {
		before[cpu] = kernel.CPUStatsOf(cpu).Ticks
	}
	const wait = 300 * time.Millisecond
	time.Sleep(wait)
	for cpu := 0; cpu < n; cpu++ {
		fmt.Printf("smpinfo: cpu%d ticks=%d in %dms\n", cpu, kernel.CPUStatsOf(cpu).Ticks-before[cpu], wait.Milliseconds())
	}
}
