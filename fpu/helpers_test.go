package fpu_test

import (
	"sync/atomic"
	"testing"
	"time"

	"gopreempt/arch/amd64"
	"gopreempt/fpu"
	"gopreempt/kernel"
)

// ticksFor converts a duration to TSC ticks.
func ticksFor(d time.Duration) uint64 {
	return uint64(d.Seconds() * float64(kernel.TSCFrequency()))
}

// spinLimit bounds spinTicks. It stays well below kernel.StallLimit: on
// one CPU a spin inside a bracket keeps the stall detector's heartbeat
// from running.
const spinLimit = 30 * time.Second

// spinTicks busy-waits, like spin, until it has spun at least min and at
// least needed timer ticks have found the current task running (its
// Stats.Ticks, st), at most spinLimit; it returns how long it spun. QEMU
// loses ticks when the host starves it, so a test that needs ticks waits
// for them rather than for the time they should take.
func spinTicks(st *kernel.TaskStats, min time.Duration, needed uint64) time.Duration {
	minTSC, limit := ticksFor(min), ticksFor(spinLimit)
	t0 := st.Ticks
	start := amd64.Rdtsc()
	for {
		d := amd64.Rdtsc() - start
		if d >= limit || d >= minTSC && st.Ticks-t0 >= needed {
			return time.Duration(float64(d) / float64(kernel.TSCFrequency()) * 1e9)
		}
	}
}

// waitAdvance waits until c has changed, at most limit; it reports
// whether it did. It sleeps between looks, so that the kthread that
// changes c may run on this CPU.
func waitAdvance(c *atomic.Uint64, limit time.Duration) bool {
	v := c.Load()
	deadline := time.Now().Add(limit)
	for c.Load() == v {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
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
