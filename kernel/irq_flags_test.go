package kernel_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"gopreempt/internal/ktest"
	"gopreempt/kernel"
)

// TestIrqSaveSectionStaysOnItsThread: local_irq_save() in task context
// keeps the goroutine on its thread from the moment interrupts go off
// until they come back on. If the Go scheduler could stop the goroutine
// in between (at any function prologue, once sysmon has asked it to
// yield), the rest of the section would run on another thread with
// interrupts on, and the thread it left would go on running other
// goroutines with interrupts off, for ever: every system call gives a
// thread back the flags it came in with. It happened when the pin was
// taken after CLI (PinTask's own prologue was such a point), and was
// found as a kthread that later ran on that thread calling msleep()
// "with interrupts off".
//
// Unlocked goroutines run sections back to back, until the runtime has
// preempted and moved them many times, and check the state inside and
// between the sections.
func TestIrqSaveSectionStaysOnItsThread(t *testing.T) {
	// Twice as many goroutines as Ps, and at least two Ps (one CPU has
	// one): a preempted goroutine is then usually resumed by another
	// thread, where the broken section shows.
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	goroutines := 2 * runtime.GOMAXPROCS(0)
	const wantMoves = 200 // the runtime moved goroutines between threads
	var moves, onInside, offOutside, sections atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := kernel.Current()
			for !stop.Load() {
				if kernel.IrqsDisabled() {
					offOutside.Add(1)
					kernel.LocalIrqEnable() // give the thread back
				}
				f := kernel.LocalIrqSave()
				on := !kernel.IrqsDisabled()
				kernel.LocalIrqRestore(f)
				if on {
					onInside.Add(1)
				}
				sections.Add(1)
				if cur := kernel.Current(); cur != last {
					moves.Add(1)
					last = cur
				}
			}
		}()
	}
	// About 50 moves a second in virtual time; the bound is for a
	// host that starves the vCPUs.
	const movesWait = 3 * counterWait
	deadline := time.Now().Add(movesWait)
	for moves.Load() < wantMoves && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d sections, %d moves of a goroutine between threads", sections.Load(), moves.Load())
	if moves.Load() < wantMoves {
		t.Fatalf("precondition: the runtime moved the goroutines between threads %d times within %v, want %d", moves.Load(), movesWait, wantMoves)
	}
	if n := onInside.Load(); n != 0 {
		t.Errorf("%d sections ran with interrupts on after local_irq_save()", n)
	}
	if n := offOutside.Load(); n != 0 {
		t.Errorf("%d times a goroutine found its thread with interrupts off between sections", n)
	}
}

// TestBugTaskIRQsOff: a futex wait (where the runtime parks an idle
// thread) made from task context with interrupts off and no pin is
// reported, and the thread comes back with interrupts on; one made inside
// local_irq_save(), which pins, or with interrupts on is not, and keeps
// its state. local_irq_disable() is the way to make the state on purpose:
// it cannot pin. The wait's value never matches, so it returns EAGAIN at
// once.
func TestBugTaskIRQsOff(t *testing.T) {
	ktest.InKthread(t, "irqs-leak", func(k *kernel.Kthread) {
		w := uint32(1)
		wait := func() syscall.Errno {
			_, _, e := syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&w)), futexWait|futexPrivate, 0, 0, 0, 0)
			return e
		}
		var e syscall.Errno
		var offAfter bool
		// At least one: were the runtime to park this locked thread
		// between the disable and the call, that park is reported too.
		n := kernel.ExpectBugs(kernel.BugTaskIRQsOff, func() {
			kernel.LocalIrqDisable()
			e = wait()
			offAfter = kernel.IrqsDisabled()
			kernel.LocalIrqEnable()
		})
		if n == 0 {
			t.Errorf("a futex wait with interrupts off and no pin was not reported")
		}
		if e != syscall.EAGAIN || offAfter {
			t.Errorf("after the report: %v, interrupts off %v; want EAGAIN with interrupts back on", e, offAfter)
		}
		n = kernel.ExpectBugs(kernel.BugTaskIRQsOff, func() {
			f := kernel.LocalIrqSave()
			e = wait()
			offAfter = kernel.IrqsDisabled()
			kernel.LocalIrqRestore(f)
		})
		if n != 0 || e != syscall.EAGAIN || !offAfter {
			t.Errorf("inside local_irq_save(): reported %d times, %v, interrupts off %v; want no report, EAGAIN, still off", n, e, offAfter)
		}
		n = kernel.ExpectBugs(kernel.BugTaskIRQsOff, func() { e = wait() })
		if n != 0 || e != syscall.EAGAIN {
			t.Errorf("with interrupts on: reported %d times, %v; want no report and EAGAIN", n, e)
		}
	})
}
