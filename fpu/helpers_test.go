package fpu_test

import (
	"testing"
	"time"

	"gopreempt/arch/amd64"
	"gopreempt/fpu"
	"gopreempt/kernel"
)

// inKthread runs fn on a kthread of its own and waits for it.
func inKthread(t *testing.T, name string, fn func(k *kernel.Kthread)) {
	t.Helper()
	k := kernel.KthreadRun(name, fn)
	select {
	case <-k.Done():
	case <-time.After(120 * time.Second):
		t.Fatalf("kthread %s did not finish within 120 s", name)
	}
}

// ticksFor converts a duration to TSC ticks.
func ticksFor(d time.Duration) uint64 {
	return uint64(d.Seconds() * float64(kernel.TSCFrequency()))
}

// spin busy-waits for d without calls that could schedule.
func spin(d time.Duration) {
	ticks := ticksFor(d)
	start := amd64.Rdtsc()
	for amd64.Rdtsc()-start < ticks {
	}
}

// needAVX2 skips a test that needs AVX2 on a CPU without it.
func needAVX2(t *testing.T) {
	t.Helper()
	if !fpu.HasAVX2() {
		f := fpu.Detected()
		t.Skipf("this CPU cannot run AVX2 inside kernel_fpu_begin/end (avx=%v avx2=%v xsave=%v, XCR0 supported %#x); "+
			"boot a CPU model with AVX2, e.g. GOPREEMPT_CPU=max (TCG) or Haswell", f.AVX, f.AVX2, f.XSAVE, f.XCR0Supported)
	}
}

// withModel runs fn under preemption model m.
func withModel(m kernel.PreemptModel, fn func()) {
	old := kernel.Model
	kernel.Model = m
	defer func() { kernel.Model = old }()
	fn()
}
