package kernel_test

import (
	"testing"
	"time"

	"gopreempt/internal/ktest"
	"gopreempt/kernel"
)

func needCPUs(t *testing.T, n int) {
	if kernel.OnlineCPUs() < n {
		t.Skipf("needs %d CPUs, %d online (run with GOPREEMPT_SMP=4)", n, kernel.OnlineCPUs())
	}
}

// A kthread bound to a CPU runs there, and only there.
func TestKthreadBind(t *testing.T) {
	needCPUs(t, 2)
	for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
		ktest.InKthread(t, "bound", func(k *kernel.Kthread) {
			k.Bind(cpu)
			for i := 0; i < 20; i++ {
				if got := kernel.SmpProcessorID(); got != cpu { // bound: no DEBUG_PREEMPT report
					t.Errorf("bound to CPU %d, running on %d", cpu, got)
				}
				time.Sleep(2 * time.Millisecond) // sleep and wake: still there
				ktest.Spin(time.Millisecond)
			}
		})
	}
	if n := kernel.BugCount(kernel.BugSmpProcessorID); n != 0 {
		t.Errorf("smp_processor_id() reported in bound kthreads (%d)", n)
	}
}

// A task moved to another CPU resumes there: smp_processor_id() after the
// move names the new CPU, and the migration is counted.
func TestMigration(t *testing.T) {
	needCPUs(t, 2)
	ktest.InKthread(t, "mover", func(k *kernel.Kthread) {
		last := kernel.OnlineCPUs() - 1
		k.Bind(0)
		if got := kernel.SmpProcessorID(); got != 0 {
			t.Fatalf("bound to CPU 0, on %d", got)
		}
		before := k.Task().Stats.Migrations
		k.Bind(last)
		if got := kernel.SmpProcessorID(); got != last {
			t.Errorf("after the move to CPU %d, smp_processor_id() = %d", last, got)
		}
		if k.Task().Stats.Migrations == before {
			t.Errorf("the migration was not counted")
		}
	})
}

// Every online CPU takes timer ticks: each one's count goes up by at least
// 10. The test waits for them (up to 60 s) instead of sleeping a fixed
// time, since QEMU loses ticks when the host starves it.
func TestEveryCPUTicks(t *testing.T) {
	var before [kernel.MaxCPUs]uint64
	for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
		before[cpu] = kernel.CPUStatsOf(cpu).Ticks
	}
	deadline := time.Now().Add(60 * time.Second)
	for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
		for kernel.CPUStatsOf(cpu).Ticks-before[cpu] < 10 {
			if time.Now().After(deadline) {
				t.Fatalf("CPU %d took %d ticks in 60 s, want 10", cpu, kernel.CPUStatsOf(cpu).Ticks-before[cpu])
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
