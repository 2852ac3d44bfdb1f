package fpu_test

// The Go ABI state (XMM registers, MXCSR, the x87 control word and
// registers) is part of every task's context: kthreads that each keep
// distinct values there, across thousands of interrupts and preemptions,
// must find them intact, and a task that never touches them must not see
// anyone else's rounding mode.

import (
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"gopreempt/arch/amd64"
	"gopreempt/fpu"
	"gopreempt/fpu/internal/simdtest"
	"gopreempt/internal/ktest"
	"gopreempt/kernel"
)

// sseStateFor returns the values holder i loads in round r: every
// register different from every other holder's, and control words with
// different rounding and precision settings (all exceptions masked).
func sseStateFor(i, r int) simdtest.SSEState {
	var s simdtest.SSEState
	for j := range s.X {
		v := uint64(i+1)<<56 | uint64(r)<<16 | uint64(j)<<8 | 0x5a
		s.X[j] = [2]uint64{v, ^v ^ uint64(j)}
	}
	pc := [3]uint16{0, 2, 3}[(i+r)%3] // single, double, extended precision
	rc := uint16((i + r) % 4)         // nearest, down, up, toward zero
	s.FCW = 0x7f | pc<<8 | rc<<10
	s.MXCSR = 0x1f80 | uint32((i+r+1)%4)<<13 | uint32((i+r)%2)<<15 // RC, FZ
	s.ST0 = int64(i+1)<<40 + int64(r)*7 + 12345
	return s
}

// holderLoad is what runHolders measured.
type holderLoad struct {
	rounds, preempted, interrupts uint64
}

// runHolders runs n kthreads bound to CPU 0 that hold their SSE/x87
// state over 20 ms spins, plus one kthread that checks that its own
// floating-point results stay those of the default MXCSR. It stops when
// the holders have been preempted wantPreempt times and the timer has
// interrupted wantIRQ times (or at limit), and reports every corruption.
// During the run, change (if non-nil) is called every 50 ms.
func runHolders(t *testing.T, n int, wantPreempt, wantIRQ uint64, limit time.Duration, change func(step int)) holderLoad {
	t.Helper()
	var bad atomic.Int64
	var rounds atomic.Uint64
	report := func(format string, args ...any) {
		if bad.Add(1) <= 5 {
			t.Errorf(format, args...)
		}
	}
	holders := make([]*kernel.Kthread, n)
	for i := range holders {
		holders[i] = kernel.KthreadRunNice(fmt.Sprintf("sse-holder%d", i), 19, func(k *kernel.Kthread) {
			k.Bind(0)
			for r := 0; !k.ShouldStop(); r++ {
				in := sseStateFor(i, r)
				var out simdtest.SSEState
				simdtest.HoldSSE(&in, &out, ticksFor(20*time.Millisecond))
				if out != in {
					report("holder %d round %d: state changed while it spun\n  loaded %+v\n  found  %+v", i, r, in, out)
				}
				rounds.Add(1)
			}
		})
	}
	// The observer does ordinary Go floating-point arithmetic: 2/3 rounds
	// up to nearest and down toward zero, so a leaked MXCSR shows.
	var num, den atomic.Uint64
	num.Store(2)
	den.Store(3)
	observer := kernel.KthreadRunNice("fp-observer", 19, func(k *kernel.Kthread) {
		k.Bind(0)
		want := math.Float64bits(float64(num.Load()) / float64(den.Load()))
		for !k.ShouldStop() {
			if got := math.Float64bits(float64(num.Load()) / float64(den.Load())); got != want {
				report("observer: 2/3 = %#x, want %#x: another task's rounding mode leaked", got, want)
			}
		}
	})

	irq0 := kernel.IRQCounts[amd64.VecTimer]
	var load holderLoad
	deadline := time.Now().Add(limit)
	for step := 0; ; step++ {
		time.Sleep(50 * time.Millisecond)
		if change != nil {
			change(step)
		}
		load.preempted = 0
		for _, k := range holders {
			load.preempted += k.Stats().PreemptFromIRQ
		}
		load.interrupts = kernel.IRQCounts[amd64.VecTimer] - irq0
		if load.preempted >= wantPreempt && load.interrupts >= wantIRQ || time.Now().After(deadline) {
			break
		}
	}
	for _, k := range holders {
		kernel.KthreadStop(k)
	}
	kernel.KthreadStop(observer)
	load.rounds = rounds.Load()
	t.Logf("%d holders: %d rounds of 20 ms, %d preemptions on interrupt return, %d timer interrupts",
		n, load.rounds, load.preempted, load.interrupts)
	if load.preempted < wantPreempt || load.interrupts < wantIRQ {
		t.Errorf("only %d preemptions and %d interrupts within %v (wanted %d and %d): the state was not exercised",
			load.preempted, load.interrupts, limit, wantPreempt, wantIRQ)
	}
	return load
}

func TestSSEStateSurvivesPreemption(t *testing.T) {
	ktest.WithModel(kernel.PreemptFull, func() {
		// 2000 timer interrupts are 8 s at HZ=250; the bound is for a
		// starved QEMU, which was seen to deliver a tenth of its ticks
		// (2376 in 90 s with every host core busy).
		runHolders(t, 4, 2000, 2000, 180*time.Second, nil)
	})
}

// Every save instruction the CPU has keeps the state, and so does
// changing from one to another while tasks are switched out (each area
// records the format it was saved in).
func TestSSEStateWithEachSwitchMode(t *testing.T) {
	old := fpu.SwitchMode()
	defer fpu.SetSwitchMode(old)
	modes := []fpu.Mode{fpu.ModeFXSAVE, fpu.ModeXSAVE, fpu.ModeXSAVEOPT}
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			if !m.Supported() {
				t.Skipf("the CPU has no %v", m)
			}
			if err := fpu.SetSwitchMode(m); err != nil {
				t.Fatal(err)
			}
			ktest.WithModel(kernel.PreemptFull, func() {
				runHolders(t, 3, 300, 300, 60*time.Second, nil)
			})
		})
	}
	t.Run("changing", func(t *testing.T) {
		var supported []fpu.Mode
		for _, m := range modes {
			if m.Supported() {
				supported = append(supported, m)
			}
		}
		ktest.WithModel(kernel.PreemptFull, func() {
			runHolders(t, 3, 500, 500, 60*time.Second, func(step int) {
				if err := fpu.SetSwitchMode(supported[step%len(supported)]); err != nil {
					t.Error(err)
				}
			})
		})
	})
}

// The Go runtime decided at start-up against AVX: internal/cpu sets
// HasAVX only when XGETBV(0) has bits 1 and 2 (cpu_x86.go), and the
// kernel had set XCR0 to x87|SSE before the runtime started. Outside a
// bracket that is still the setting.
func TestRuntimeSeesNoAVX(t *testing.T) {
	ktest.InKthread(t, "xcr0", func(k *kernel.Kthread) {
		kernel.PreemptDisable() // XCR0 is per CPU: read it where we stay
		xcr0 := fpu.XCR0()
		kernel.PreemptEnable()
		if fpu.Detected().XSAVE && xcr0 != 3 {
			t.Errorf("XCR0 outside a bracket is %#x, want 0x3 (x87|SSE)", xcr0)
		}
		if xcr0&6 == 6 {
			t.Errorf("XCR0 %#x enables SSE and YMM: the Go runtime would conclude HasAVX=true", xcr0)
		}
		if fpu.InBracket() {
			t.Errorf("InBracket() outside any bracket")
		}
	})
	if avx := runtimeHasAVX(); avx {
		t.Errorf("the Go runtime's internal/cpu says HasAVX=true")
	}
}
