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

func TestSMPEveryCPUTicks(t *testing.T) {
	n := kernel.OnlineCPUs()
	if n == 1 {
		t.Skip("one CPU: boot with GOPREEMPT_SMP=4 to test bring-up")
	}
	before := make([]uint64, n)
	for cpu := range before {
		before[cpu] = kernel.CPUStatsOf(cpu).Ticks
	}
	const wait = 300 * time.Millisecond
	time.Sleep(wait)
	// Every CPU's local APIC timer runs at HZ. Under emulation the rate
	// wobbles, so the bound is loose: within a factor of 3 of HZ, which
	// still catches a CPU left at another tick rate.
	want := uint64(kernel.HZ) * uint64(wait) / uint64(time.Second)
	for cpu := 0; cpu < n; cpu++ {
		d := kernel.CPUStatsOf(cpu).Ticks - before[cpu]
		t.Logf("cpu%d: %d ticks in %v (HZ=%d)", cpu, d, wait, kernel.HZ)
		if d == 0 {
			t.Errorf("cpu%d took no timer tick in %v", cpu, wait)
		} else if d < want/3 || d > want*3 {
			t.Errorf("cpu%d took %d ticks in %v, want about %d (HZ=%d)", cpu, d, wait, want, kernel.HZ)
		}
	}
}
