package kernel_test

// The preemption models are about kernel code: a kthread's goroutine
// code. The Go runtime's own threads, and the goroutines they run, are
// what user space is to Linux, which preempts it on the way back from an
// interrupt whatever CONFIG_PREEMPT says (docs/preemption.md, section 5).

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"gopreempt/arch/amd64"
	"gopreempt/internal/ktest"
	"gopreempt/kernel"
)

// Under preempt=none, a goroutine that is not a kthread spins on CPU 0,
// with no system call and no Go preemption point (SIGURG blocked), until
// a kthread on CPU 0 has set a flag; the kthread wakes from a 1 ms sleep
// to set it. Only an interrupt's return can let it run, and it must:
// the Go runtime waits for other threads in loops like this one (bgsweep
// for another sweeper), and under none they held the only CPU for ever,
// which is how a one-CPU run of this package stalled ("pid 2 init
// runnable on cpu0 for 61 s and not run"). A kthread spinning the same
// way keeps the CPU (TestNoPreemptionUnderNone).
func TestNoneStillPreemptsRuntimeThreads(t *testing.T) {
	ktest.WithModel(kernel.PreemptNone, func() {
		var start, flag atomic.Bool
		setter := kernel.KthreadRun("setter", func(k *kernel.Kthread) {
			k.Bind(0)
			for !start.Load() {
				kernel.Msleep(1)
			}
			flag.Store(true)
		})
		defer kernel.KthreadStop(setter)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		me := kernel.Current()
		kernel.SetCPUsAllowed(me, 1) // CPU 0, with the setter
		defer kernel.SetCPUsAllowed(me, 0)
		restore := blockPreemptSignal()
		before := me.Stats
		hz := kernel.TSCFrequency()
		limit := uint64(5 * time.Second.Seconds() * float64(hz))
		start.Store(true)
		t0 := amd64.Rdtsc()
		for !flag.Load() && amd64.Rdtsc()-t0 < limit {
		}
		set := flag.Load()
		spun := time.Duration(float64(amd64.Rdtsc()-t0) / float64(hz) * 1e9)
		after := me.Stats
		restore()
		if !set {
			t.Fatalf("preempt=none: a runtime thread spinning on CPU 0 for %v was never preempted (%d ticks found it running): the kthread it waited for did not run",
				spun, after.Ticks-before.Ticks)
		}
		t.Logf("the kthread ran after %v of the spin; the spinning thread was preempted %d times on interrupt return",
			spun, after.PreemptFromIRQ-before.PreemptFromIRQ)
	})
}
