package fpu_test

// Benchmarks: a context switch with each save instruction, the save and
// restore pair alone, an empty kernel_fpu_begin/end pair, and the AVX2
// routine against its Go reference. Under TCG the absolute numbers
// measure QEMU's translation of each instruction, not hardware.

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/fpu"
	"gopreempt/kernel"
)

var modes = []fpu.Mode{fpu.ModeFXSAVE, fpu.ModeXSAVE, fpu.ModeXSAVEOPT}

// withSwitchMode runs b's body under save mode m.
func withSwitchMode(b *testing.B, m fpu.Mode, fn func(b *testing.B)) {
	b.Run(m.String(), func(b *testing.B) {
		if !m.Supported() {
			b.Skipf("the CPU has no %v", m)
		}
		old := fpu.SwitchMode()
		if err := fpu.SetSwitchMode(m); err != nil {
			b.Fatal(err)
		}
		defer fpu.SetSwitchMode(old)
		fn(b)
	})
}

// BenchmarkContextSwitch: two kthreads on CPU 0 hand a token back and
// forth through wait queues; each hand-over is one switch (plus the
// wake-up and the system call that sleeps). ns/switch is the figure.
func BenchmarkContextSwitch(b *testing.B) {
	for _, m := range modes {
		withSwitchMode(b, m, pingPong)
	}
}

func pingPong(b *testing.B) {
	var turn atomic.Int64
	var queues [2]kernel.WaitQueue
	n := int64(b.N)
	player := func(me int64) func(k *kernel.Kthread) {
		return func(k *kernel.Kthread) {
			k.Bind(0)
			for {
				queues[me].WaitEvent(func() bool { return turn.Load()%2 == me || turn.Load() >= 2*n })
				if turn.Load() >= 2*n {
					break
				}
				turn.Add(1)
				queues[1-me].WakeUp()
			}
			queues[1-me].WakeUp()
		}
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0)) // kthread_run raises it
	b.ResetTimer()
	start := time.Now()
	p0 := kernel.KthreadRun("ping", player(0))
	p1 := kernel.KthreadRun("pong", player(1))
	<-p0.Done()
	<-p1.Done()
	b.StopTimer()
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(2*n), "ns/switch")
}

// area is a save area outside the Go heap's moving parts, aligned to 64
// bytes as XSAVE requires.
var areaBuf [2 * 4096]byte

func alignedArea() uintptr {
	a := uintptr(unsafe.Pointer(&areaBuf[0]))
	return (a + 4095) &^ 4095
}

// BenchmarkSaveRestore: SwitchTo's save and restore of x87/SSE alone.
func BenchmarkSaveRestore(b *testing.B) {
	for _, m := range modes {
		withSwitchMode(b, m, func(b *testing.B) {
			// A preemption between the two is harmless: the image is
			// this goroutine's own state, whatever runs in between.
			a := alignedArea()
			for i := 0; i < b.N; i++ {
				amd64.FPUSave(a)
				amd64.FPURestore(a)
			}
		})
	}
}

// BenchmarkKernelFPUBeginEnd: an empty bracket. With AVX it includes two
// XSETBVs and a VZEROALL.
func BenchmarkKernelFPUBeginEnd(b *testing.B) {
	for i := 0; i < b.N; i++ {
		fpu.KernelFPUBegin()
		fpu.KernelFPUEnd()
	}
}

// BenchmarkPreemptDisableEnable is the part of the bracket that is only
// preemption control, for comparison.
func BenchmarkPreemptDisableEnable(b *testing.B) {
	for i := 0; i < b.N; i++ {
		kernel.PreemptDisable()
		kernel.PreemptEnable()
	}
}

// BenchmarkEmptyCall is the unit the two above are measured in: a call
// of a function that does nothing and is not inlined.
func BenchmarkEmptyCall(b *testing.B) {
	for i := 0; i < b.N; i++ {
		emptyCall()
	}
}

//go:noinline
func emptyCall() {}

func BenchmarkXorChecksum(b *testing.B) {
	buf := pattern(64<<10, 9)
	b.Run("Go", func(b *testing.B) {
		b.SetBytes(int64(len(buf)))
		for i := 0; i < b.N; i++ {
			fpu.XorChecksum(buf)
		}
	})
	b.Run("AVX2", func(b *testing.B) {
		if !fpu.HasAVX2() {
			b.Skip("no AVX2")
		}
		b.SetBytes(int64(len(buf)))
		for i := 0; i < b.N; i++ {
			fpu.KernelFPUBegin()
			fpu.XorChecksumAVX2(buf)
			fpu.KernelFPUEnd()
		}
	})
}
