package kernel_test

// Kernel-mode tests of SMP bring-up (issue 4, part 1): every processor
// the firmware lists comes online and takes timer ticks. Run them on
// several CPUs with GOPREEMPT_SMP=4 make kerneltest; on one CPU they skip.

import (
	"runtime"
	"testing"
	"time"

	"gopreempt/acpi"
	"gopreempt/boot"
	"gopreempt/irq"
	"gopreempt/kernel"
)

// madtCPUs counts the present processors in the firmware's MADT, read
// here independently of the boot code, capped at what the kernel supports
// and at maxcpus= if the command line gives it.
func madtCPUs(t *testing.T) int {
	t.Helper()
	var m acpi.MADT
	if err := acpi.ReadMADT(acpi.Identity, &m); err != nil {
		t.Fatalf("reading the MADT: %v", err)
	}
	n := min(m.Present(), kernel.MaxCPUs)
	if mc := boot.Options.MaxCPUs; mc > 0 {
		n = min(n, mc)
	}
	return n
}

func TestSMPEveryCPUOnline(t *testing.T) {
	want := madtCPUs(t)
	if got := kernel.OnlineCPUs(); got != want {
		t.Errorf("kernel.OnlineCPUs() = %d, the MADT lists %d present CPUs", got, want)
	}
	// The Go runtime sized itself from sched_getaffinity at startup.
	if got := runtime.NumCPU(); got != want {
		t.Errorf("runtime.NumCPU() = %d, want %d", got, want)
	}
	if want == 1 {
		t.Skip("one CPU: boot with GOPREEMPT_SMP=4 to test bring-up")
	}
}

// Every CPU's local APIC timer runs at HZ. Counting its ticks over a
// stretch of wall time would measure the host as well: QEMU loses ticks
// when the host starves its threads (a third of them were seen lost), and
// delivers late ones in bursts. So the rate is checked where it is set:
// each CPU reads back its own timer's programming (periodic, one period
// of 1/HZ in timer input cycles). Then each CPU must take ticks: the test
// waits, up to 60 s, until every CPU has taken 40 more, and holds the
// time that took against the one bound that starvation cannot break, that
// the ticks came no faster than three times HZ.
func TestSMPEveryCPUTicks(t *testing.T) {
	n := kernel.OnlineCPUs()
	if n == 1 {
		t.Skip("one CPU: boot with GOPREEMPT_SMP=4 to test bring-up")
	}
	want := float64(irq.TimerHz) / float64(kernel.HZ)
	for cpu := 0; cpu < n; cpu++ {
		var periodic bool
		var cycles uint64
		inKthread(t, "timer-setup", func(k *kernel.Kthread) {
			k.Bind(cpu)
			periodic, cycles = irq.TimerSetup()
		})
		t.Logf("cpu%d: timer periodic=%v, period %d cycles of the %d Hz timer clock (1/HZ is %.0f)", cpu, periodic, cycles, irq.TimerHz, want)
		if !periodic || float64(cycles) < want*0.99 || float64(cycles) > want*1.01 {
			t.Errorf("cpu%d: timer periodic=%v with a period of %d cycles, want periodic at %.0f (HZ=%d)", cpu, periodic, cycles, want, kernel.HZ)
		}
	}
	const ticks = 40
	before := make([]uint64, n)
	for cpu := range before {
		before[cpu] = kernel.CPUStatsOf(cpu).Ticks
	}
	start := time.Now()
	deadline := start.Add(60 * time.Second)
	for cpu := 0; cpu < n; cpu++ {
		for kernel.CPUStatsOf(cpu).Ticks-before[cpu] < ticks {
			if time.Now().After(deadline) {
				t.Fatalf("cpu%d took %d timer ticks in 60 s, want %d", cpu, kernel.CPUStatsOf(cpu).Ticks-before[cpu], ticks)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	took := time.Since(start)
	for cpu := 0; cpu < n; cpu++ {
		d := kernel.CPUStatsOf(cpu).Ticks - before[cpu]
		t.Logf("cpu%d: %d ticks in %v (HZ=%d)", cpu, d, took, kernel.HZ)
		if limit := 3*took.Seconds()*float64(kernel.HZ) + 3; float64(d) > limit {
			t.Errorf("cpu%d took %d ticks in %v, more than three times HZ=%d allows", cpu, d, took, kernel.HZ)
		}
	}
}
