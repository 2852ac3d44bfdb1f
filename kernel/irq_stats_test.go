package kernel_test

import (
	"testing"
	"time"

	"gopreempt/internal/ktest"
	"gopreempt/kernel"
)

// Each CPU counts the interrupts it takes, by vector (irq_stats.go), in
// the same path that calls their handlers: on every CPU, read there with
// interrupts off, the timer's and the reschedule IPI's counts equal what
// the clock event and the scheduler's IPI handler counted since boot.
// Counts kept in one array for all CPUs, as IRQCounts is, lose updates
// when two CPUs take interrupts at once and would fall behind.
func TestIRQStatsPerCPU(t *testing.T) {
	for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
		ktest.InKthread(t, "irqstats", func(k *kernel.Kthread) {
			k.Bind(cpu)
			time.Sleep(2 * time.Millisecond) // a timer interrupt there, and a wake-up
			on, timer, timerH, resched, reschedH := kernel.IRQCountsBesideHandlers()
			if on != cpu {
				t.Fatalf("bound to CPU %d, running on %d", cpu, on)
			}
			t.Logf("cpu%d: %d timer interrupts, %d reschedule IPIs", cpu, timer, resched)
			if timer == 0 || timer != timerH {
				t.Errorf("cpu%d: %d timer interrupts counted, the clock event counted %d", cpu, timer, timerH)
			}
			if resched != reschedH {
				t.Errorf("cpu%d: %d reschedule IPIs counted, the handler counted %d", cpu, resched, reschedH)
			}
		})
	}
}
