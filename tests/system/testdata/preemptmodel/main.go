// Command preemptmodel reports the preemption model the kernel command
// line selected, and what it does to a CPU-bound kthread: how far a
// counting kthread gets while the other spins, whether the spinner was
// preempted on interrupt return, and whether the tick had asked for a
// reschedule (need_resched) by the end of the spin.
//
// The spin waits for its preconditions rather than lasting a fixed time
// (the rules of docs/testing.md): it starts only once the counter has
// provably run and is runnable, and lasts at least 300 ms and until more
// ticks than the rest of the spinner's time slice have found it running
// (under preempt=full, until the spinner was preempted and the counter
// advanced, or three more time slices).
// An attempt whose counter the Go runtime had parked (it preempts a
// goroutine after 10 ms and parks a locked one's thread) is void and made
// again; the output says how many were.
package main

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"gopreempt/arch/amd64"
	_ "gopreempt/boot"
	"gopreempt/kernel"
)

type result struct {
	ok       bool
	progress uint64
	ticks    uint64
	needed   uint64
	fromIRQ  uint64
	resched  bool
}

func main() {
	var count atomic.Uint64
	counter := kernel.KthreadRun("counter", func(k *kernel.Kthread) {
		k.Bind(0)
		for !k.ShouldStop() {
			count.Add(1)
			kernel.CondResched()
		}
	})
	var r result
	voids := 0
	spinner := kernel.KthreadRun("spinner", func(k *kernel.Kthread) {
		k.Bind(0)
		for ; voids < 200; voids++ {
			c := count.Load()
			for start := time.Now(); count.Load() == c; {
				if time.Since(start) > 20*time.Second {
					fmt.Println("preemptmodel: the counter kthread did not run within 20 s")
					os.Exit(1)
				}
				time.Sleep(time.Millisecond)
			}
			if spin(&r, k.Task(), counter.Task(), &count) {
				return
			}
		}
	})
	<-spinner.Done()
	kernel.KthreadStop(counter)
	if !r.ok {
		fmt.Printf("preemptmodel: in %d attempts the counter was never runnable when the spin started\n", voids)
		os.Exit(1)
	}
	fmt.Printf("model=%d progress=%d preempt_irq=%d need_resched=%v ticks=%d needed=%d void=%d\n",
		kernel.Model, r.progress, r.fromIRQ, r.resched, r.ticks, r.needed, voids)
}

// spin checks that the counter is runnable, then spins; it reports false
// if the counter was not. From the check to the last reading it calls no
// Go function (the TSC read is an assembly function without a prologue):
// a function prologue is where the Go runtime may stop the spinner.
func spin(r *result, me, counter *kernel.Task, count *atomic.Uint64) bool {
	if counter.State != kernel.TASK_RUNNING {
		return false
	}
	st := &me.Stats
	t0, irq0 := st.Ticks, st.PreemptFromIRQ
	r.needed = uint64(max(me.Slice, 0)) + 2
	hz := kernel.TSCFrequency()
	minTSC, limit := hz*3/10, hz*30
	full := kernel.Model == kernel.PreemptFull
	if full {
		// Under full the spin ends once the spinner has been preempted
		// and the counter has advanced, or three more time slices later
		// without it (the counter may need a slice or two to get its
		// thread back from the Go runtime).
		r.needed += 3 * uint64(max(kernel.HZ/10, 1))
		minTSC = 0
	}
	c0 := count.Load()
	start := amd64.Rdtsc()
	for {
		d := amd64.Rdtsc() - start
		if d >= limit || d >= minTSC && st.Ticks-t0 >= r.needed ||
			full && st.PreemptFromIRQ != irq0 && count.Load() != c0 {
			break
		}
	}
	r.progress = count.Load() - c0
	r.ticks = st.Ticks - t0
	r.fromIRQ = st.PreemptFromIRQ - irq0
	r.resched = atomic.LoadUint64(&me.ThreadInfo.Flags)&kernel.TIF_NEED_RESCHED != 0
	r.ok = true
	return true
}
