// Command gopreempt is the kernel image that `make run` boots: the kernel
// (linked in through gopreempt/boot) and a demo program that runs on it.
//
// The demo has two parts. The first shows that the unmodified Go runtime
// works on the kernel: goroutines on several kernel tasks, channels, maps,
// timers and a garbage-collected heap. The second shows the preemption
// model at work, under whichever model the command line chose
// (preempt=none|voluntary|full): a CPU-bound kthread next to a counting
// one, with and without preempt_disable(), and the scheduler's
// statistics at the end. With demo=percpu on the kernel command line (the
// default of `make run`) a third part shows per-CPU counters updated
// safely and unsafely under preemption (percpu_demo.go); with
// demo=latency it shows what preemption is for: how late a sleeper wakes
// next to a kernel hog under each model (latency_demo.go).
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gopreempt/boot"
	"gopreempt/kernel"
)

func main() {
	fmt.Println("=== part 1: the Go runtime on gopreempt ===")
	wordCount()
	sleepers()
	allocate()

	fmt.Println()
	fmt.Printf("=== part 2: preemption (preempt=%s) ===\n", modelName())
	preemptionDemo(false)
	preemptionDemo(true)
	if boot.Options.Demo == "percpu" {
		fmt.Println()
		fmt.Println("=== part 3: per-CPU counters under preemption ===")
		percpuDemo(5 * time.Second)
	}
	if boot.Options.Demo == "latency" {
		fmt.Println()
		fmt.Println("=== part 3: wake-up latency against a kernel hog ===")
		latencyDemo()
	}
	fmt.Println()
	kernel.WriteSchedStats(os.Stdout)
	fmt.Println("demo finished")
}

func modelName() string {
	return [...]string{"none", "voluntary", "full"}[kernel.Model]
}

// wordCount fans work out to goroutines over a channel and merges their
// maps: goroutines, channels, maps, a WaitGroup.
func wordCount() {
	text := strings.Fields(strings.Repeat("the quick brown fox jumps over the lazy dog and the cat ", 2000))
	jobs := make(chan []string)
	results := make(chan map[string]int)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := map[string]int{}
			for chunk := range jobs {
				for _, w := range chunk {
					m[w]++
				}
			}
			results <- m
		}()
	}
	go func() {
		for i := 0; i < len(text); i += 500 {
			jobs <- text[i:min(i+500, len(text))]
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	total := map[string]int{}
	for m := range results {
		for w, n := range m {
			total[w] += n
		}
	}
	words := make([]string, 0, len(total))
	for w := range total {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool { return total[words[i]] > total[words[j]] })
	fmt.Printf("word count by 4 goroutines: %d words, top three %s=%d %s=%d %s=%d\n", len(text),
		words[0], total[words[0]], words[1], total[words[1]], words[2], total[words[2]])
}

// sleepers runs timers in parallel: each sleep blocks its goroutine, and
// the runtime's netpoller sleeps in epoll_pwait until the next timer.
func sleepers() {
	t0 := time.Now()
	var wg sync.WaitGroup
	for _, d := range []time.Duration{50, 100, 150, 200} {
		wg.Add(1)
		go func(d time.Duration) {
			defer wg.Done()
			time.Sleep(d * time.Millisecond)
		}(d)
	}
	wg.Wait()
	fmt.Printf("four goroutines slept 50..200 ms in parallel: %v in all\n", time.Since(t0).Round(time.Millisecond))
}

var keep [][]byte

// allocate allocates 320 MiB in 1 MiB pieces with at most 16 MiB live:
// the collector runs many times and the heap stays small.
func allocate() {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 320; i++ {
		b := make([]byte, 1<<20)
		b[len(b)-1] = byte(i)
		keep = append(keep, b)
		if len(keep) > 16 {
			keep = keep[1:]
		}
	}
	keep = nil
	runtime.GC()
	runtime.ReadMemStats(&after)
	fmt.Printf("allocated %d MiB: %d GC cycles, heap now %d MiB in use, %d MiB obtained from the kernel\n",
		(after.TotalAlloc-before.TotalAlloc)>>20, after.NumGC-before.NumGC, after.HeapInuse>>20, after.HeapSys>>20)
}

// spin busy-waits for d (kernel.Ndelay): only the kernel's timer can take
// the CPU away.
func spin(d time.Duration) { kernel.Ndelay(uint64(d)) }

// preemptionDemo runs a CPU-bound kthread for 500 ms next to a counting
// kthread and reports how far the counter got meanwhile. With
// preemption enabled (preempt=full) the timer interrupt preempts the
// spinner and the counter advances; inside preempt_disable(), or under
// preempt=none, it does not, and the pending preemption happens at
// preempt_enable().
func preemptionDemo(disabled bool) {
	var count atomic.Uint64
	// Both kthreads on CPU 0: preemption is about sharing one CPU. On
	// several CPUs the counter would otherwise run beside the spinner.
	counter := kernel.KthreadRun("counter", func(k *kernel.Kthread) {
		k.Bind(0)
		for !k.ShouldStop() {
			count.Add(1)
			kernel.CondResched()
		}
	})
	time.Sleep(20 * time.Millisecond)
	var during, fromIRQ, fromEnable uint64
	spinner := kernel.KthreadRun("spinner", func(k *kernel.Kthread) {
		k.Bind(0)
		// The task may be a runtime thread with a past: count from
		// here. Interrupt-return preemptions are counted over the spin
		// alone (inside the section when there is one), so that a tick
		// landing just before preempt_disable() or after
		// preempt_enable() is not mistaken for one inside; the
		// preemption that preempt_enable() performs is counted across
		// that call.
		if disabled {
			kernel.PreemptDisable()
		}
		st0 := k.Task().Stats
		c0 := count.Load()
		spin(500 * time.Millisecond)
		during = count.Load() - c0
		st1 := k.Task().Stats
		fromIRQ = st1.PreemptFromIRQ - st0.PreemptFromIRQ
		if disabled {
			kernel.PreemptEnable()
			fromEnable = k.Task().Stats.PreemptFromEnable - st1.PreemptFromEnable
		}
	})
	<-spinner.Done()
	kernel.KthreadStop(counter)
	how := "a 500 ms spin"
	if disabled {
		how = "a 500 ms spin inside preempt_disable()"
	}
	fmt.Printf("%-40s: counter advanced %7d; spinner preempted %d times on interrupt return, %d at preempt_enable()\n",
		how, during, fromIRQ, fromEnable)
}
