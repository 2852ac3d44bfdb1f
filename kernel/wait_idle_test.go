package kernel_test

// Waiting costs nothing: with goroutines blocked reading a pipe, an
// eventfd and the console, the CPUs halt in their idle loops and the
// blocked tasks are not woken at all (no polling), until something
// arrives for them.

import (
	"syscall"
	"testing"
	"time"

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
	before := make([]kernel.CPUStats, cpus)
	timersBefore := make([]kernel.HRTimerStats, cpus)
	for c := range before {
		before[c] = kernel.CPUStatsOf(c)
		timersBefore[c] = kernel.HRTimerStatsOf(c)
	}
	// The window is counted in what the kernel saw, not in wall time: a
	// busy host can keep the vCPUs from running for a whole 100 ms, so
	// the test sleeps in 100 ms steps until the CPUs have halted a few
	// times (or 20 s have passed, which fails below).
	var halts, ticks, timers, ipis uint64
	start := time.Now()
	for halts < 5 && time.Since(start) < 20*time.Second {
		time.Sleep(100 * time.Millisecond)
		halts, ticks, timers, ipis = 0, 0, 0, 0
		for c := range before {
			s := kernel.CPUStatsOf(c)
			halts += s.IdleHalts - before[c].IdleHalts
			ticks += s.Ticks - before[c].Ticks
			timers += kernel.HRTimerStatsOf(c).Interrupts - timersBefore[c].Interrupts
			ipis += s.ReschedIPIs - before[c].ReschedIPIs
		}
	}
	window := time.Since(start).Round(time.Millisecond)
	for i, tk := range readers {
		if d := tk.Stats.Wakeups - wakeups[i]; d != 0 {
			t.Errorf("%s reader woken %d times in %v with nothing to read: it polls",
				[]string{"pipe", "eventfd", "console"}[i], d, window)
		}
	}
	t.Logf("in %v: %d idle halts, %d timer interrupts (%d of them ticks), %d reschedule IPIs on %d CPUs", window, halts, timers, ticks, ipis, cpus)
	if halts == 0 {
		t.Errorf("no CPU halted in %v while every reader was blocked", window)
	}
	// Each halt ends with an interrupt; with nothing to read, they are
	// the timer's (ticks, and the hrtimers of sleeps: this test's own,
	// the runtime's sysmon) and the IPIs of the wake-ups they cause.
	if halts > timers+ipis+uint64(4*cpus) {
		t.Errorf("%d idle halts but only %d timer interrupts and %d IPIs to end them", halts, timers, ipis)
	}

	rawWrite(w, []byte("x"))
	if n := <-pipeDone; n != 1 {
		t.Fatalf("the pipe reader got %d bytes, want 1", n)
	}
	rawWrite(int(efd), []byte{3, 0, 0, 0, 0, 0, 0, 0})
	if n := <-eventDone; n != 8 {
		t.Fatalf("the eventfd reader got %d bytes, want 8", n)
	}
}
