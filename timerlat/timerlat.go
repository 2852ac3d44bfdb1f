// Package timerlat measures wake-up latency the way cyclictest and rtla
// timerlat do on Linux, to show what kernel preemption is for.
//
// On each CPU measured, a nice-0 kthread bound to that CPU sleeps until
// an absolute deadline (clock_nanosleep with TIMER_ABSTIME on
// CLOCK_MONOTONIC, as cyclictest), every Period, and records how late it
// is. Like rtla timerlat it splits each sample: the IRQ latency, from
// the deadline to the wake-up (the timer interrupt that woke the thread:
// with tick-based timers, up to a tick, plus whatever the host delays
// QEMU's timer), and the thread latency, from the deadline to the
// kernel's first switch to the thread after that wake-up, which adds
// what the scheduler and the preemption model make it wait. Both come
// from the kernel's clock and the fair scheduler's record of the wake-up
// (kernel.FairStats), as rtla's come from its tracepoints. A third figure
// is when the thread is back in Go code: the Go runtime's return from the
// system call comes on top (it may need another thread to hand it a P).
//
// With Hog set, a second kthread on each measured CPU spins for Hog in
// kernel code with no schedule point, again and again, sleeping a
// millisecond between spins: a long kernel operation. Under
// preempt=none the woken thread waits for the end of the spin; under
// preempt=full the fair scheduler's wake-up preemption (kernel's
// sched_fair.go) sets need_resched on the hog and the interrupt return
// switches to the thread at once.
//
// What the measurement keeps out: the Go runtime's own scheduling. The
// hog blocks SIGURG, so the runtime's asynchronous preemption cannot park
// it (only the kernel preempts it), and the garbage collector is off
// while a run lasts (its stop-the-world would wait for the spin to end
// and hold the measuring thread's return from its system call). The
// samples are stored in memory allocated before the run starts.
//
// Run switches kernel.Model for its duration and restores it.
package timerlat

import (
	"runtime/debug"
	"slices"
	"syscall"
	"time"
	"unsafe"

	"gopreempt/kernel"
)

// Config says what to measure.
type Config struct {
	CPUs    []int         // the CPUs to measure on; nil: every online CPU
	Period  time.Duration // the measuring thread's timer period
	Samples int           // samples per CPU
	Hog     time.Duration // the hog's spin on each measured CPU; 0: no hog
	Model   kernel.PreemptModel
}

// Sample is one wake-up.
type Sample struct {
	IRQ    time.Duration // deadline to wake-up
	Thread time.Duration // deadline to the switch to the thread
	Return time.Duration // deadline to the thread back in Go code
}

// Result holds the samples of every CPU measured.
type Result struct {
	Config  Config
	Samples []Sample
}

// Run measures as cfg says. It takes about Samples * Period, or with a
// hog under a model that does not preempt it, Samples * (Hog + 1 ms).
func Run(cfg Config) Result {
	if cfg.CPUs == nil {
		for c := 0; c < kernel.OnlineCPUs(); c++ {
			cfg.CPUs = append(cfg.CPUs, c)
		}
	}
	if cfg.Period <= 0 {
		cfg.Period = time.Millisecond
	}
	oldModel := kernel.Model
	kernel.Model = cfg.Model
	defer func() { kernel.Model = oldModel }()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))

	per := make([][]Sample, len(cfg.CPUs))
	var hogs, meters []*kernel.Kthread
	for i, cpu := range cfg.CPUs {
		per[i] = make([]Sample, cfg.Samples)
		spinning := make(chan struct{})
		if cfg.Hog > 0 {
			hogs = append(hogs, kernel.KthreadRun("timerlat/hog", func(k *kernel.Kthread) {
				defer blockPreemptSignal()()
				k.Bind(cpu)
				close(spinning)
				for !k.ShouldStop() {
					spin(cfg.Hog)
					kernel.Msleep(1)
				}
			}))
		} else {
			close(spinning)
		}
		meters = append(meters, kernel.KthreadRun("timerlat", func(k *kernel.Kthread) {
			k.Bind(cpu)
			<-spinning
			measure(k.Task(), cfg.Period, per[i])
		}))
	}
	for _, m := range meters {
		<-m.Done()
	}
	for _, h := range hogs {
		kernel.KthreadStop(h)
	}
	r := Result{Config: cfg}
	for _, s := range per {
		r.Samples = append(r.Samples, s...)
	}
	return r
}

// measure is the measuring thread's loop.
func measure(me *kernel.Task, period time.Duration, out []Sample) {
	next := kernel.Nanotime() + uint64(period)
	for i := range out {
		sleepUntil(next)
		now := kernel.Nanotime()
		fs := kernel.FairStatsOf(me)
		woke, ran := fs.LastWakeup, fs.WakeRun
		if int64(ran-woke) < 0 { // woken before it was off the CPU
			ran = woke
		}
		late := func(t uint64) time.Duration { return time.Duration(max(int64(t-next), 0)) }
		out[i] = Sample{IRQ: late(woke), Thread: late(ran), Return: late(now)}
		next += uint64(period)
		if next <= now { // missed periods are not made up
			next = now + uint64(period)
		}
	}
}

// sleepUntil is clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline):
// the kernel's monotonic clock is kernel.Nanotime.
func sleepUntil(deadline uint64) {
	const clockMonotonic, timerAbstime = 1, 1
	ts := syscall.NsecToTimespec(int64(deadline))
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_CLOCK_NANOSLEEP, clockMonotonic, timerAbstime,
			uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		if e != syscall.EINTR {
			return
		}
	}
}

// spin busy-waits for d (kernel.Ndelay): nothing but the kernel can take
// the CPU away.
func spin(d time.Duration) { kernel.Ndelay(uint64(d)) }

// blockPreemptSignal blocks SIGURG, the Go runtime's asynchronous
// preemption signal, on the calling (locked) thread, and returns the
// function that restores the mask.
func blockPreemptSignal() (restore func()) {
	set := uint64(1) << (syscall.SIGURG - 1)
	var old uint64
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0 /* SIG_BLOCK */, uintptr(unsafe.Pointer(&set)),
		uintptr(unsafe.Pointer(&old)), 8, 0, 0)
	return func() {
		syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 2 /* SIG_SETMASK */, uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
	}
}

// Which figure of a sample Percentile looks at.
const (
	Thread = iota // deadline to the switch to the thread
	IRQ           // deadline to the wake-up
	Sched         // wake-up to the switch: what the scheduler added
	Return        // deadline to the thread back in Go code (the tests report it)
)

// Percentile returns the p-th percentile (0..100) of one figure of the
// samples (nearest rank).
func (r Result) Percentile(p float64, figure int) time.Duration {
	if len(r.Samples) == 0 {
		return 0
	}
	v := make([]time.Duration, len(r.Samples))
	for i, s := range r.Samples {
		v[i] = [...]time.Duration{s.Thread, s.IRQ, s.Thread - s.IRQ, s.Return}[figure]
	}
	slices.Sort(v)
	k := int(p/100*float64(len(v))+0.999999) - 1
	return v[min(max(k, 0), len(v)-1)]
}
