package kernel_test

import (
	"sync/atomic"
	"testing"
	"time"

	"gopreempt/internal/ktest"
	"gopreempt/kernel"
)

// The scheduler honours nice values: of two CPU-bound kthreads sharing
// one CPU, the one with the lower nice value gets the longer time slices
// and so more of the CPU.
func TestNiceShares(t *testing.T) {
	if kernel.OnlineCPUs() != 1 {
		t.Skip("measures sharing of a single CPU")
	}
	var stop atomic.Bool
	run := func(nice int) *kernel.Kthread {
		return kernel.KthreadRunNice("nice", nice, func(k *kernel.Kthread) {
			for !stop.Load() && !k.ShouldStop() {
				ktest.Spin(time.Millisecond)
			}
		})
	}
	hi, lo := run(-15), run(15)
	time.Sleep(1500 * time.Millisecond)
	stop.Store(true)
	<-hi.Done()
	<-lo.Done()
	th, tl := hi.Stats().Ticks, lo.Stats().Ticks
	t.Logf("ticks: nice -15 got %d, nice 15 got %d", th, tl)
	if th < 2*tl {
		t.Errorf("nice -15 got %d ticks against %d for nice 15; want at least twice as many", th, tl)
	}
}
