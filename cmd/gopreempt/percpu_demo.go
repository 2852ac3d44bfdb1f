package main

import (
	"fmt"
	"sync"
	"time"

	"gopreempt/arch/amd64"
	"gopreempt/kernel"
	"gopreempt/percpu"
)

// The per-CPU counter demo (seed texts 001 and 002, rule 1).
//
// Several kthreads per CPU increment per-CPU counters three ways:
//
//	(a) unprotected: read smp_processor_id(), load, add, store, with a
//	    short window between load and store. A preemption in the window
//	    lets another task on the same CPU update the counter, and this
//	    task's store then overwrites that update (and after a migration
//	    it may even write another CPU's counter);
//	(b) get_cpu_var()/put_cpu_var(): the same sequence with preemption
//	    disabled, so no other task can run on this CPU meanwhile;
//	(c) this_cpu_inc(): a single GS-relative instruction, which an
//	    interrupt cannot split.
//
// A table on the console, refreshed about once a second, shows one row
// per CPU; at the end the totals are compared with the number of
// increments made. Under preempt=full (a) loses updates and (b), (c)
// lose none; under preempt=none the tasks are only switched where they
// allow it, and (a) loses nothing either.
func percpuDemo(duration time.Duration) {
	a, b, c := percpu.DefineCounter(), percpu.DefineCounter(), percpu.DefineCounter()
	perCPU := 3
	n := kernel.OnlineCPUs() * perCPU
	var made [3]uint64
	var mu sync.Mutex
	var wg sync.WaitGroup
	stopAt := time.Now().Add(duration)
	// The window between load and store, in TSC ticks. It is spun inline:
	// a function call there would be a point where the Go runtime itself
	// may deschedule the goroutine, which is another story.
	window := uint64(10e-6 * float64(kernel.TSCFrequency()))
	for i := 0; i < n; i++ {
		wg.Add(1)
		// nice 19: short (5 ms) time slices, so preemptions are frequent.
		kernel.KthreadRunNice(fmt.Sprintf("pcpu/%d", i), 19, func(k *kernel.Kthread) {
			defer wg.Done()
			var mine uint64
			for !k.ShouldStop() && time.Now().Before(stopAt) {
				for j := 0; j < 100; j++ {
					p := percpu.PerCPU(a, percpu.RawSmpProcessorID()) // (a)
					v := *p
					for t0 := amd64.Rdtsc(); amd64.Rdtsc()-t0 < window; {
					}
					*p = v + 1

					q := kernel.GetCPUVar(b) // (b)
					w := *q
					for t0 := amd64.Rdtsc(); amd64.Rdtsc()-t0 < window; {
					}
					*q = w + 1
					kernel.PutCPUVar(b)

					percpu.ThisCPUInc(c) // (c)
					mine++
				}
			}
			mu.Lock()
			for m := range made {
				made[m] += mine
			}
			mu.Unlock()
		})
	}
	fmt.Printf("per-CPU counters: %d kthreads on %d CPUs for %v (model %s)\n", n, kernel.OnlineCPUs(), duration, modelName())
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	printTable := func() {
		fmt.Printf("%4s %12s %12s %12s %12s %10s\n", "CPU", "(a) unsafe", "(b) get/put", "(c) this_cpu", "preemptions", "migrations")
		for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
			s := kernel.CPUStatsOf(cpu)
			fmt.Printf("%4d %12d %12d %12d %12d %10d\n", cpu, *percpu.PerCPU(a, cpu), *percpu.PerCPU(b, cpu),
				*percpu.PerCPU(c, cpu), s.PreemptFromIRQ+s.PreemptFromEnable, s.Migrations)
		}
	}
	for running := true; running; {
		select {
		case <-tick.C:
			printTable()
		case <-done:
			running = false
		}
	}
	printTable()
	want := made[0]
	for i, ctr := range []percpu.Counter{a, b, c} {
		got := percpu.Sum(ctr)
		verdict := "exact"
		if got != want {
			verdict = fmt.Sprintf("LOST %d updates", want-got)
		}
		fmt.Printf("total %s: %d of %d increments: %s\n", [...]string{"(a) unprotected", "(b) get_cpu_var", "(c) this_cpu_inc"}[i], got, want, verdict)
	}
}
