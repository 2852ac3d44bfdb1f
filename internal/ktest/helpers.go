package ktest

import (
	"testing"
	"time"

	"gopreempt/kernel"
	"gopreempt/trace"
)

// Helpers that the kernel-mode tests of several packages share. They run
// inside the kernel (this package links it in, through boot), so they
// call it directly. The kernel's own tests are an external package
// (kernel_test), which is why importing kernel here makes no cycle.

// kthreadTimeout bounds InKthread's wait: a kthread that has not finished
// by then is taken to hang. It is generous because QEMU under a loaded
// host runs a test's kthread far slower than real time.
const kthreadTimeout = 120 * time.Second

// InKthread runs fn on a kthread of its own, named name, and waits for it
// to finish; the test fails if it does not within kthreadTimeout.
func InKthread(t testing.TB, name string, fn func(k *kernel.Kthread)) {
	t.Helper()
	k := kernel.KthreadRun(name, fn)
	select {
	case <-k.Done():
	case <-time.After(kthreadTimeout):
		t.Fatalf("kthread %s did not finish within %v", name, kthreadTimeout)
	}
}

// Spin busy-waits for d (kernel.Ndelay): no system call, no blocking, no
// Go function prologue in the loop, so only the kernel's timer interrupt
// can take the CPU away.
func Spin(d time.Duration) { kernel.Ndelay(uint64(d)) }

// WithModel runs fn under preemption model m, and restores the model
// that was in force.
func WithModel(m kernel.PreemptModel, fn func()) {
	old := kernel.Model
	kernel.Model = m
	defer func() { kernel.Model = old }()
	fn()
}

// WithPreemptTraced runs fn with the tracer's preempt class on: only then
// are preempt-off sections timed for the MaxPreemptOff statistic
// (docs/preemption.md). The selection before is put back after.
func WithPreemptTraced(fn func()) {
	old := trace.Enabled()
	trace.Enable(trace.Preempt)
	trace.Start()
	defer func() {
		trace.Stop()
		trace.Enable(old)
	}()
	fn()
}
