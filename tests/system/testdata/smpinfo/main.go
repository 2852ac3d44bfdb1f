// Command smpinfo reports what SMP bring-up achieved: the CPU count the Go
// runtime saw, the CPUs online in the kernel, how each CPU's local APIC
// timer is programmed (read back from the hardware on that CPU: a
// one-shot clock event device, never set further ahead than one tick),
// whether its tick timer is queued, and how long each CPU, kept busy by a
// kthread bound to it (an idle CPU stops its tick: NO_HZ_IDLE), took to
// take 40 timer ticks.
//
// It waits for ticks rather than counting them over a fixed sleep: QEMU
// loses ticks when the host starves its threads, so a count over wall time
// measures the host as much as the kernel.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"

	_ "gopreempt/boot"
	"gopreempt/dev/lapic"
	"gopreempt/kernel"
)

const ticks = 40

func main() {
	n := kernel.OnlineCPUs()
	fmt.Printf("smpinfo: numcpu=%d online=%d hz=%d\n", runtime.NumCPU(), n, kernel.HZ)
	want := lapic.TimerHz / uint64(kernel.HZ)
	for cpu := 0; cpu < n; cpu++ {
		kernel.KthreadRun("busy", func(k *kernel.Kthread) {
			k.Bind(cpu)
			for !k.ShouldStop() {
				for t0 := time.Now(); time.Since(t0) < time.Millisecond; {
				}
			}
		})
	}
	for cpu := 0; cpu < n; cpu++ {
		var mode string
		var cycles uint64
		var armed bool
		k := kernel.KthreadRun("timer-setup", func(k *kernel.Kthread) {
			k.Bind(cpu)
			mode, cycles = lapic.TimerSetup()
			_, armed = kernel.TickTimerOf(cpu) // on the CPU: an idle one stops its tick
		})
		<-k.Done()
		fmt.Printf("smpinfo: cpu%d timer mode=%s programmed=%d period=%d tick=%v\n", cpu, mode, cycles, want, armed)
	}
	before := make([]uint64, n)
	for cpu := range before {
		before[cpu] = kernel.CPUStatsOf(cpu).Ticks
	}
	start := time.Now()
	for cpu := 0; cpu < n; cpu++ {
		for kernel.CPUStatsOf(cpu).Ticks-before[cpu] < ticks {
			if time.Since(start) > 60*time.Second {
				fmt.Printf("smpinfo: cpu%d took %d ticks in 60 s\n", cpu, kernel.CPUStatsOf(cpu).Ticks-before[cpu])
				os.Exit(1)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	took := time.Since(start)
	for cpu := 0; cpu < n; cpu++ {
		fmt.Printf("smpinfo: cpu%d ticks=%d in %dms\n", cpu, kernel.CPUStatsOf(cpu).Ticks-before[cpu], took.Milliseconds())
	}
}
