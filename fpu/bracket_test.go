package fpu_test

// kernel_fpu_begin/end as a preemption bracket: misuse is reported, and
// the scheduler statistics show that nothing preempts the inside.

import (
	"sync/atomic"
	"testing"
	"time"

	"gopreempt/fpu"
	"gopreempt/internal/ktest"
	"gopreempt/kernel"
)

func TestNestedBeginIsReported(t *testing.T) {
	ktest.InKthread(t, "nested", func(k *kernel.Kthread) {
		base := kernel.PreemptCount()
		n := kernel.ExpectBugs(kernel.BugFPU, func() {
			fpu.KernelFPUBegin()
			fpu.KernelFPUBegin()
			fpu.KernelFPUEnd()
			if !fpu.InBracket() {
				t.Errorf("the inner kernel_fpu_end closed the outer bracket")
			}
			fpu.KernelFPUEnd()
		})
		if n != 1 {
			t.Errorf("nested kernel_fpu_begin reported %d times, want 1", n)
		}
		if got := kernel.PreemptCount(); got != base {
			t.Errorf("preempt_count %#x after the nested pair, want %#x", got, base)
		}
		if fpu.InBracket() {
			t.Errorf("still in a bracket after both ends")
		}
	})
}

func TestEndWithoutBeginIsReported(t *testing.T) {
	ktest.InKthread(t, "unbalanced", func(k *kernel.Kthread) {
		base := kernel.PreemptCount()
		if n := kernel.ExpectBugs(kernel.BugFPU, fpu.KernelFPUEnd); n != 1 {
			t.Errorf("kernel_fpu_end without begin reported %d times, want 1", n)
		}
		if got := kernel.PreemptCount(); got != base {
			t.Errorf("the unbalanced end changed preempt_count to %#x", got)
		}
	})
}

// irq_fpu_usable() is false in an interrupt that interrupted a bracket,
// and a kernel_fpu_begin() there is reported; in an interrupt outside a
// bracket it is true.
func TestIrqFPUUsable(t *testing.T) {
	var inside, outside atomic.Int32 // 0 not seen, 1 usable, 2 not usable
	var phase atomic.Int32           // 1: kthread in a bracket, 2: outside
	var target atomic.Pointer[kernel.Task]
	kernel.TickHook = func() {
		if kernel.Current() != target.Load() {
			return // a tick on another CPU, or one that found another task
		}
		switch phase.Load() {
		case 1:
			if inside.Load() == 0 {
				if fpu.IrqFPUUsable() {
					inside.Store(1)
				} else {
					inside.Store(2)
				}
				fpu.KernelFPUBegin() // reported: the interrupted code is in a bracket
				fpu.KernelFPUEnd()
			}
		case 2:
			if outside.Load() == 0 {
				if fpu.IrqFPUUsable() {
					outside.Store(1)
				} else {
					outside.Store(2)
				}
			}
		}
	}
	defer func() { kernel.TickHook = nil }()
	var bugs uint64
	ktest.InKthread(t, "irq-usable", func(k *kernel.Kthread) {
		target.Store(k.Task())
		bugs = kernel.ExpectBugs(kernel.BugFPU, func() {
			fpu.KernelFPUBegin()
			phase.Store(1)
			for inside.Load() == 0 {
			}
			phase.Store(0)
			fpu.KernelFPUEnd()
		})
		phase.Store(2)
		for outside.Load() == 0 {
		}
		phase.Store(0)
	})
	if inside.Load() != 2 {
		t.Errorf("irq_fpu_usable() true in an interrupt that interrupted a bracket")
	}
	if outside.Load() != 1 {
		t.Errorf("irq_fpu_usable() false in an interrupt outside any bracket")
	}
	if bugs != 1 {
		t.Errorf("kernel_fpu_begin() in that interrupt reported %d times, want 1", bugs)
	}
}

// Inside a bracket the task is not preempted although another task is
// runnable and its time slice runs out; the preemption that came due
// happens at kernel_fpu_end (preempt_enable).
//
// The test waits for its preconditions instead of trusting wall time
// (docs/testing.md): the busy kthread must be runnable when the bracket
// opens, and the spin inside lasts until more ticks than the rest of the
// time slice have found the task running. An attempt in which busy is
// not runnable (the Go runtime preempts a goroutine after 10 ms of
// running and parks a locked one's thread until it is handed back) shows
// nothing and is made again; that is the only retry.
//
// The longest preempt-off section is timed only while the preempt class
// is traced, so the test traces it.
func TestNoPreemptionInsideBracket(t *testing.T) {
	ktest.WithPreemptTraced(func() { testNoPreemptionInsideBracket(t) })
}

func testNoPreemptionInsideBracket(t *testing.T) {
	ktest.WithModel(kernel.PreemptFull, func() {
		var rounds atomic.Uint64
		busy := kernel.KthreadRun("busy", func(k *kernel.Kthread) {
			k.Bind(0)
			blockPreemptSignal() // stays runnable: see the helper
			for !k.ShouldStop() {
				rounds.Add(1)
			}
		})
		defer kernel.KthreadStop(busy)
		ktest.InKthread(t, "bracketed", func(k *kernel.Kthread) {
			k.Bind(0)
			st := &k.Task().Stats
			for void := 0; ; void++ {
				if void == 200 {
					t.Fatalf("in %d attempts the busy kthread was never runnable when the bracket opened", void)
				}
				if !waitAdvance(&rounds, 20*time.Second) {
					t.Fatalf("the busy kthread did not run within 20 s")
				}
				fpu.KernelFPUBegin()
				if busy.Task().State != kernel.TASK_RUNNING {
					fpu.KernelFPUEnd()
					continue
				}
				before := *st
				needed := uint64(max(k.Task().Slice, 0)) + 2
				spun := spinTicks(st, 400*time.Millisecond, needed)
				inside := *st
				due := kernel.NeedResched()
				fpu.KernelFPUEnd()
				after := *st
				ticks := inside.Ticks - before.Ticks
				t.Logf("%d void attempts; %d ticks in a %v bracket; involuntary switches before/inside/after: %d/%d/%d; at kernel_fpu_end: %d -> %d; longest preempt-off %v",
					void, ticks, spun, before.Involuntary, inside.Involuntary, after.Involuntary,
					before.PreemptFromEnable, after.PreemptFromEnable, time.Duration(after.MaxPreemptOff))
				if ticks < needed {
					t.Fatalf("only %d of the %d ticks needed arrived during a %v bracket: the host starves QEMU's timer", ticks, needed, spun)
				}
				if inside.Involuntary != before.Involuntary || inside.PreemptFromIRQ != before.PreemptFromIRQ {
					t.Errorf("preempted %d times inside the bracket", inside.Involuntary-before.Involuntary)
				}
				if !due {
					t.Errorf("need_resched not set after %d ticks (%d needed) with another task runnable", ticks, needed)
				}
				// kernel_fpu_end()'s preempt_enable() lowers the count
				// before preempt_schedule() sets PREEMPT_ACTIVE: a tick
				// in between preempts on its interrupt return, a few
				// instructions early, and the same preemption is
				// counted there (kernel/preempt_schedule.go).
				atEnable := after.PreemptFromEnable - before.PreemptFromEnable
				onIRQ := after.PreemptFromIRQ - inside.PreemptFromIRQ
				if atEnable > 1 || atEnable == 0 && onIRQ == 0 {
					t.Errorf("the pending preemption did not happen at kernel_fpu_end (%d at preempt_enable, %d on interrupt return)",
						atEnable, onIRQ)
				}
				if after.MaxPreemptOff < uint64(350*time.Millisecond) {
					t.Errorf("longest preempt-off section %v, want at least the bracket's %v", time.Duration(after.MaxPreemptOff), spun)
				}
				return
			}
		})
	})
}
