package kernel

import (
	"math/bits"

	"gopreempt/arch/amd64"
)

// Ndelay busy-waits ns nanoseconds (Linux's ndelay, include/linux/delay.h):
// it reads the TSC until enough ticks have passed, without sleeping and
// without a Go function prologue in the loop (Rdtsc is assembly), so
// neither the kernel's voluntary preemption points nor the Go scheduler
// get a say; only an interrupt, and a preemption on its return, can take
// the CPU away. The demos and the latency benchmark's hog use it to keep
// a CPU busy, and kernel-mode tests through ktest.Spin.
//
// Any context, once the TSC is calibrated; no allocation.
func Ndelay(ns uint64) {
	hi, lo := bits.Mul64(ns, clock.tscHz)
	ticks, _ := bits.Div64(hi, lo, 1e9) // hi < 1e9 (Div64 would panic) for any delay below a century
	start := amd64.Rdtsc()
	for amd64.Rdtsc()-start < ticks {
	}
}
