package main

import (
	"fmt"
	"os"
	"time"

	"gopreempt/kernel"
	"gopreempt/timerlat"
)

// latencyDemo measures, on CPU 0, how late a nice-0 thread that wakes
// every millisecond runs, alone and next to a kthread that spins 100 ms
// in kernel code, under each preemption model in turn (the model is
// switched at run time and restored), and prints the three side by side
// with a histogram (timerlat). Under none and voluntary the woken thread
// waits for the end of the spin; under full the wake-up preempts the hog.
func latencyDemo() {
	const hog = 100 * time.Millisecond
	models := []struct {
		name string
		m    kernel.PreemptModel
	}{{"none", kernel.PreemptNone}, {"voluntary", kernel.PreemptVoluntary}, {"full", kernel.PreemptFull}}
	fmt.Printf("a thread on CPU 0 wakes every 1 ms (HZ=%d: timers expire on ticks); hog: a kthread spinning %v with no schedule point\n",
		kernel.HZ, hog)
	var names []string
	var runs, hogRuns []timerlat.Result
	for _, m := range models {
		alone := timerlat.Run(timerlat.Config{CPUs: []int{0}, Period: time.Millisecond, Samples: 100, Model: m.m})
		next := timerlat.Run(timerlat.Config{CPUs: []int{0}, Period: time.Millisecond, Samples: 20, Hog: hog, Model: m.m})
		names = append(names, m.name+", alone", m.name+", 100 ms hog")
		runs = append(runs, alone, next)
		hogRuns = append(hogRuns, next)
	}
	timerlat.WriteTable(os.Stdout, names, runs)
	fmt.Println()
	fmt.Println("thread latency next to the hog:")
	timerlat.WriteHistograms(os.Stdout, []string{"none", "voluntary", "full"}, hogRuns)
	none, full := hogRuns[0].Percentile(100, timerlat.Thread), hogRuns[2].Percentile(100, timerlat.Thread)
	fmt.Printf("worst wake-up next to the hog: none %v, full %v (%.0fx)\n",
		none.Round(time.Microsecond), full.Round(time.Microsecond), float64(none)/float64(max(full, 1)))
}
