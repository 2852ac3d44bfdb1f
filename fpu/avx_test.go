package fpu_test

// The AVX2 routine inside brackets: exact results while another kthread
// on the same CPU runs brackets of its own with other data, while the
// timer interrupt uses brackets whenever irq_fpu_usable() allows, and
// YMM state held across interrupts inside a bracket comes back intact.

import (
	"sync/atomic"
	"testing"
	"time"

	"gopreempt/arch/amd64"
	"gopreempt/fpu"
	"gopreempt/fpu/internal/simdtest"
	"gopreempt/internal/ktest"
	"gopreempt/kernel"
	"gopreempt/percpu"
)

// pattern returns n pseudo-random bytes from seed (xorshift).
func pattern(n int, seed uint64) []byte {
	b := make([]byte, n)
	x := seed*0x9e3779b97f4a7c15 | 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x >> 24)
	}
	return b
}

func ymmFor(seed uint64) simdtest.YMMState {
	var s simdtest.YMMState
	for r := range s {
		for l := range s[r] {
			s[r][l] = seed<<48 | uint64(r)<<8 | uint64(l)<<4 | 0xa5
		}
	}
	return s
}

func TestAVX2ChecksumMatchesReference(t *testing.T) {
	needAVX2(t)
	ktest.InKthread(t, "avx2-ref", func(k *kernel.Kthread) {
		for _, n := range []int{0, 1, 31, 32, 33, 127, 128, 129, 4096, 65536 + 17} {
			buf := pattern(n, uint64(n)+1)
			fpu.KernelFPUBegin()
			got := fpu.XorChecksumAVX2(buf)
			fpu.KernelFPUEnd()
			if want := fpu.XorChecksum(buf); got != want {
				t.Errorf("len %d: AVX2 %x, reference %x", n, got, want)
			}
		}
	})
}

func TestAVX2ChecksumWithCompetingBrackets(t *testing.T) {
	needAVX2(t)
	type worker struct {
		name  string
		buf   []byte
		ref   [32]byte
		ymm   simdtest.YMMState
		iters atomic.Uint64
		k     *kernel.Kthread
	}
	ws := []*worker{
		{name: "avx-a", buf: pattern(1<<20, 1), ymm: ymmFor(1)},
		{name: "avx-b", buf: pattern(1<<20+77, 2), ymm: ymmFor(2)},
	}
	for _, w := range ws {
		w.ref = fpu.XorChecksum(w.buf)
	}
	if ws[0].ref == ws[1].ref {
		t.Fatal("the two buffers have the same checksum: the test could not tell them apart")
	}
	var bad atomic.Int64

	// The timer interrupt checksums a small buffer of its own in a
	// bracket whenever it may, and counts when it may not.
	small := pattern(4096, 3)
	smallRef := fpu.XorChecksum(small)
	var irqUsed, irqRefused, irqBad atomic.Uint64
	kernel.TickHook = func() {
		if percpu.RawSmpProcessorID() != 0 {
			return // only the interrupts of the CPU the kthreads share
		}
		if !fpu.IrqFPUUsable() {
			irqRefused.Add(1)
			return
		}
		fpu.KernelFPUBegin()
		s := fpu.XorChecksumAVX2(small)
		fpu.KernelFPUEnd()
		if s != smallRef {
			irqBad.Add(1)
		}
		irqUsed.Add(1)
	}
	defer func() { kernel.TickHook = nil }()

	irq0 := kernel.IRQCounts[amd64.VecTimer]
	for _, w := range ws {
		w.k = kernel.KthreadRunNice(w.name, 19, func(k *kernel.Kthread) {
			k.Bind(0)
			var out simdtest.YMMState
			for !k.ShouldStop() {
				fpu.KernelFPUBegin()
				cpu := k.Task().ThreadInfo.CPU // stable: preemption is off
				sum := fpu.XorChecksumAVX2(w.buf)
				simdtest.HoldYMM(&w.ymm, &out, ticksFor(2*time.Millisecond))
				fpu.KernelFPUEnd()
				if cpu != 0 && bad.Add(1) <= 5 {
					t.Errorf("%s: bracket on CPU %d, not on CPU 0 with the other kthread", w.name, cpu)
				}
				if sum != w.ref {
					if bad.Add(1) <= 5 {
						t.Errorf("%s: AVX2 checksum %x, reference %x", w.name, sum, w.ref)
					}
				}
				if out != w.ymm {
					if bad.Add(1) <= 5 {
						t.Errorf("%s: YMM registers changed inside the bracket:\n  loaded %x\n  found  %x", w.name, w.ymm, out)
					}
				}
				w.iters.Add(1)
			}
		})
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		time.Sleep(100 * time.Millisecond)
		done := true
		for _, w := range ws {
			st := w.k.Stats()
			if w.iters.Load() < 300 || st.Involuntary < 100 {
				done = false
			}
		}
		if done && irqUsed.Load() > 0 && irqRefused.Load() > 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, w := range ws {
		kernel.KthreadStop(w.k)
	}
	kernel.TickHook = nil
	for _, w := range ws {
		st := w.k.Stats()
		t.Logf("%s: %d bracketed checksums of %d bytes; preempted %d times (%d at kernel_fpu_end/preempt_enable, %d on interrupt return)",
			w.name, w.iters.Load(), len(w.buf), st.Involuntary, st.PreemptFromEnable, st.PreemptFromIRQ)
		if w.iters.Load() < 300 || st.Involuntary < 100 {
			t.Errorf("%s: only %d iterations and %d preemptions: the kthreads did not compete", w.name, w.iters.Load(), st.Involuntary)
		}
	}
	t.Logf("timer interrupts: %d; brackets in the handler: %d used, %d refused by irq_fpu_usable()",
		kernel.IRQCounts[amd64.VecTimer]-irq0, irqUsed.Load(), irqRefused.Load())
	if irqBad.Load() != 0 {
		t.Errorf("%d wrong checksums in interrupt context", irqBad.Load())
	}
	if irqUsed.Load() == 0 || irqRefused.Load() == 0 {
		t.Errorf("the interrupt handler should have both used a bracket (between the kthreads' brackets) and been refused one (inside them)")
	}
}

// kernel_fpu_end leaves the extended state clean: the upper halves of
// every YMM register are zero when the next bracket opens.
func TestEndLeavesYMMClean(t *testing.T) {
	needAVX2(t)
	ktest.InKthread(t, "ymm-clean", func(k *kernel.Kthread) {
		in := ymmFor(7)
		var out, after simdtest.YMMState
		fpu.KernelFPUBegin()
		simdtest.HoldYMM(&in, &out, 0)
		fpu.KernelFPUEnd()
		fpu.KernelFPUBegin()
		simdtest.ReadYMM(&after)
		fpu.KernelFPUEnd()
		if out != in {
			t.Errorf("HoldYMM read back %x, loaded %x", out, in)
		}
		for r := range after {
			if after[r][2] != 0 || after[r][3] != 0 {
				t.Errorf("YMM%d upper half %#x %#x after kernel_fpu_end, want 0", r, after[r][2], after[r][3])
			}
		}
	})
}

// XCR0 has YMM exactly inside brackets.
func TestXCR0FollowsBrackets(t *testing.T) {
	needAVX2(t)
	ktest.InKthread(t, "xcr0-bracket", func(k *kernel.Kthread) {
		kernel.PreemptDisable()
		before := fpu.XCR0()
		kernel.PreemptEnable()
		fpu.KernelFPUBegin()
		inside := fpu.XCR0()
		in := fpu.InBracket()
		fpu.KernelFPUEnd()
		kernel.PreemptDisable()
		after := fpu.XCR0()
		kernel.PreemptEnable()
		if before != 3 || inside != 7 || after != 3 || !in {
			t.Errorf("XCR0 before/inside/after a bracket: %#x %#x %#x (InBracket %v), want 0x3 0x7 0x3", before, inside, after, in)
		}
	})
}
