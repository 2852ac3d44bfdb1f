package kernel_test

// Waiting costs nothing: with goroutines blocked reading a pipe, an
// eventfd and the console, the CPUs halt in their idle loops and the
// blocked tasks are not woken at all (no polling), until something
// arrives for them.

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopreempt/arch/amd64"
	"gopreempt/kernel"
	"gopreempt/linux"
)

func TestWaitIdleHaltsWhileBlocked(t *testing.T) {
	r, w := pipe2(t, syscall.O_CLOEXEC)
	defer syscall.Close(r)
	defer syscall.Close(w)
	efd, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC, 0)
	if e != 0 {
		t.Fatal(e)
	}
	defer syscall.Close(int(efd))

	pipeDone, eventDone := make(chan int), make(chan int)
	pipeReader := waiterKthread(func() {
		n, _ := rawRead(r, make([]byte, 8))
		pipeDone <- n
	})
	eventReader := waiterKthread(func() {
		n, _ := rawRead(int(efd), make([]byte, 8))
		eventDone <- n
	})
	// The console reader stays blocked: nothing types into this run.
	// The readers are kthreads: a goroutine's thread is sent the
	// runtime's SIGURG, which ends its interruptible sleep and would
	// look like the polling this test is there to catch
	// (waiterKthread).
	consoleReader := waiterKthread(func() { rawRead(0, make([]byte, 64)) })
	readers := []*kernel.Task{pipeReader, eventReader, consoleReader}
	waitFor(t, "the three readers are asleep", func() bool {
		pr, _ := linux.PipeWaiters(r)
		return pr == 1 && linux.EventfdWaiters(int(efd)) == 1 &&
			asleep(pipeReader) && asleep(eventReader) && asleep(consoleReader)
	})

	var wakeups [3]uint64
	for i, tk := range readers {
		wakeups[i] = tk.Stats.Wakeups
	}
	cpus := kernel.OnlineCPUs()
	before := make([]idleSnap, cpus)
	for c := range before {
		before[c] = idleSnapshot(c)
	}
	// The window is counted in what the kernel saw, not in wall time: a
	// busy host can keep the vCPUs from running for a whole 100 ms, so
	// the test sleeps in 100 ms steps until the CPUs have halted a few
	// times (or 20 s have passed, which fails below).
	after := make([]idleSnap, cpus)
	var halts uint64
	start := time.Now()
	for halts < 5 && time.Since(start) < 20*time.Second {
		time.Sleep(100 * time.Millisecond)
		halts = 0
		for c := range after {
			after[c] = idleSnapshot(c)
			halts += after[c].halts - before[c].halts
		}
	}
	window := time.Since(start).Round(time.Millisecond)
	for i, tk := range readers {
		if d := tk.Stats.Wakeups - wakeups[i]; d != 0 {
			t.Errorf("%s reader woken %d times in %v with nothing to read: it polls",
				[]string{"pipe", "eventfd", "console"}[i], d, window)
		}
	}
	if halts == 0 {
		t.Errorf("no CPU halted in %v while every reader was blocked", window)
	}

	// Each halt ends with an interrupt, and the kernel says which one:
	// the first interrupt through handleIRQ after a halt counts its
	// vector in IRQStats.IdleEnds, and the idle loop counts a halt it
	// finds ended otherwise (IdleWakeupsNoIRQ), which only an NMI may
	// do. Which interrupts they are is the host's business (the ticks
	// and sleepers' timers, the reschedule IPIs of wake-ups, the TLB
	// shootdowns of memory the runtime returns and of stacks
	// recycled), and so is how many it delivers in the window: the
	// test asserts only that each halt had one. A snapshot may catch a
	// halt begun and not yet counted as ended, or an NMI counted before
	// the halt it ended, at each end of the window: two halts per CPU,
	// one NMI.
	var ends [256]uint64
	var nmis, noIRQ uint64
	for c := range after {
		a, b := &after[c], &before[c]
		var ended uint64
		for v := range a.irq.IdleEnds {
			d := uint64(a.irq.IdleEnds[v] - b.irq.IdleEnds[v])
			ends[v] += d
			ended += d
		}
		n := uint64(a.irq.Counts[amd64.VecNMI] - b.irq.Counts[amd64.VecNMI])
		nmis += n
		noIRQ += a.noIRQ - b.noIRQ
		if d := a.noIRQ - b.noIRQ; d > n+1 {
			t.Errorf("cpu%d: %d halts ended with no interrupt through handleIRQ, and only %d NMIs", c, d, n)
		}
		if h := a.halts - b.halts; h > ended+(a.noIRQ-b.noIRQ)+2 {
			t.Errorf("cpu%d: %d idle halts, and only %d ended by an interrupt, %d otherwise", c, h, ended, a.noIRQ-b.noIRQ)
		}
	}
	t.Logf("in %v: %d idle halts on %d CPUs, ended by %s; %d with no interrupt through handleIRQ (%d NMIs)",
		window, halts, cpus, idleEndsString(&ends), noIRQ, nmis)

	rawWrite(w, []byte("x"))
	if n := <-pipeDone; n != 1 {
		t.Fatalf("the pipe reader got %d bytes, want 1", n)
	}
	rawWrite(int(efd), []byte{3, 0, 0, 0, 0, 0, 0, 0})
	if n := <-eventDone; n != 8 {
		t.Fatalf("the eventfd reader got %d bytes, want 8", n)
	}
}

// idleSnap is what a CPU's idle loop and interrupts have counted.
type idleSnap struct {
	halts, noIRQ uint64
	irq          kernel.IRQStats
}

// idleSnapshot reads CPU cpu's counts while it halts no more: its
// IdleHalts the same before and after, so that the halts ended read in
// between are that count or one less (a halt in progress).
func idleSnapshot(cpu int) idleSnap {
	for {
		h := kernel.CPUStatsOf(cpu).IdleHalts
		s := idleSnap{halts: h, noIRQ: kernel.NohzStatsOf(cpu).IdleWakeupsNoIRQ, irq: kernel.IRQStatsOf(cpu)}
		if kernel.CPUStatsOf(cpu).IdleHalts == h {
			return s
		}
	}
}

// idleEndsString names the vectors that ended halts, with their counts.
func idleEndsString(ends *[256]uint64) string {
	var b strings.Builder
	for v, n := range ends {
		if n == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		name := fmt.Sprintf("vector %#x", v)
		switch {
		case v == amd64.VecTimer:
			name = "the timer"
		case v == amd64.VecResched:
			name = "reschedule IPIs"
		case v == amd64.VecTLB:
			name = "TLB shootdowns"
		case v == amd64.VecSpurious:
			name = "spurious interrupts"
		case v >= amd64.VecIOAPIC && v < amd64.VecIOAPIC+24:
			name = fmt.Sprintf("IRQ %d", v-amd64.VecIOAPIC)
		}
		fmt.Fprintf(&b, "%s %d", name, n)
	}
	if b.Len() == 0 {
		return "nothing"
	}
	return b.String()
}
