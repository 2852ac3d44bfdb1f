package signals_test

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/google/pprof/profile"

	"gopreempt/kernel"
	"gopreempt/signals"
)

// SIGPROF by CPU time (kernel/posix_cpu_timers.go): a POSIX timer on the
// thread's CPU clock and ITIMER_PROF, each checked with RawHandler for
// SIGPROF (si_code, si_tid, si_value), and a runtime/pprof CPU profile
// that finds a busy function among its samples.

const (
	siTimer         = -2
	siKernel        = 0x80
	sigevThreadID   = 4
	itimerProf      = 2
	clockProcessCPU = 2
	clockThreadCPU  = 3

	sysSetitimer       = 38
	sysGetitimer       = 36
	sysTimerCreate     = 222
	sysTimerSettime    = 223
	sysTimerGettime    = 224
	sysTimerGetoverrun = 225
	sysTimerDelete     = 226

	profPeriod = 4 * time.Millisecond
	// A safety net only: each test waits for what the kernel counted,
	// and fails if it never comes.
	giveUp = 3 * time.Minute
)

// sigevent is struct sigevent (64 bytes) with SIGEV_THREAD_ID's tid.
type sigevent struct {
	value         uint64
	signo, notify int32
	tid           int32
	_             [44]byte
}

type itimerspec struct{ interval, value syscall.Timespec }
type itimerval struct{ interval, value syscall.Timeval }

func clockNs(t *testing.T, clk uintptr) time.Duration {
	t.Helper()
	var ts syscall.Timespec
	if _, _, e := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clk, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		t.Fatalf("clock_gettime(%d): %v", clk, e)
	}
	return time.Duration(ts.Nano())
}

// withRawSIGPROF installs RawHandler for SIGPROF, runs fn and puts the
// runtime's action back.
func withRawSIGPROF(t *testing.T, fn func()) {
	var old sigaction
	act := sigaction{uint64(signals.RawHandlerAddr()), saSiginfo | saRestorer | saRestart | saOnstack, uint64(signals.RawRestorerAddr()), 0}
	rtSigaction(t, syscall.SIGPROF, &act, &old)
	defer rtSigaction(t, syscall.SIGPROF, &old, nil)
	fn()
}

var spinSink uint64

// spinCPU burns CPU on the calling thread until done reports true, and
// fails the test after giveUp of wall time.
//
//go:noinline
func spinCPU(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(giveUp)
	for !done() {
		for i := 0; i < 10000; i++ {
			spinSink = spinSink*6364136223846793005 + 1
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen after %v", what, giveUp)
		}
	}
}

func rawCount() uint64 { return atomic.LoadUint64(&signals.RawCount) }

// rawTimerCount is how many signals of timer id RawHandler took.
func rawTimerCount(id int32) uint64 {
	return atomic.LoadUint64(&signals.RawTimerCount[id%signals.RawTimers])
}

// expiries is how many periods of CPU-time timer id the kernel's tick has
// seen expire.
func expiries(t *testing.T, id int32) uint64 {
	n, ok := kernel.CPUTimerExpiries(id)
	if !ok {
		t.Fatalf("timer %d: no such CPU-time timer", id)
	}
	return n
}

// A timer on the thread's own CPU clock (what the runtime creates for
// each thread when profiling) signals that thread with SIGPROF, si_code
// SI_TIMER, si_tid its id, si_value the sigevent's; only as CPU time
// passes, so a sleeping thread gets none; and no more once deleted.
//
// Only the tick sees a CPU-time timer expire, and on a starved host QEMU
// delivers ticks late (ten signals were seen to take 270 ms of CPU time
// at a 4 ms period): CPU time passes with no tick to notice it. So each
// step waits for what the tick counted (the timer's expiries, the ticks
// that found this thread running), never for CPU time alone. The
// signals are counted by timer id (signals.RawTimerCount): a SIGPROF
// for some other timer (the Go runtime's, which an idle thread disarms
// only when it next runs a goroutine after a profile) is not this one's.
func TestPosixCPUTimerSIGPROF(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	me := kernel.Current()
	withRawSIGPROF(t, func() {
		sev := sigevent{value: 0x5eed, signo: int32(syscall.SIGPROF), notify: sigevThreadID, tid: int32(syscall.Gettid())}
		var id int32
		if _, _, e := syscall.RawSyscall(sysTimerCreate, clockThreadCPU, uintptr(unsafe.Pointer(&sev)), uintptr(unsafe.Pointer(&id))); e != 0 {
			t.Fatalf("timer_create: %v", e)
		}
		deleted := false
		defer func() {
			if !deleted {
				syscall.RawSyscall(sysTimerDelete, uintptr(id), 0, 0)
			}
		}()
		spec := itimerspec{syscall.NsecToTimespec(int64(profPeriod)), syscall.NsecToTimespec(int64(profPeriod))}
		before := kernel.CPUTimerStatsOf()
		c0, all0, cpu0 := rawTimerCount(id), rawCount(), clockNs(t, clockThreadCPU)
		if _, _, e := syscall.RawSyscall6(sysTimerSettime, uintptr(id), 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0); e != 0 {
			t.Fatalf("timer_settime: %v", e)
		}

		// Asleep, the thread's CPU clock stands still: 100 ms of wall
		// time, 25 periods, bring a signal only for CPU time it used.
		wall := time.Now()
		time.Sleep(100 * time.Millisecond)
		n := rawTimerCount(id) - c0 // first: the clock read after it can only be later
		slept, sleptCPU := time.Since(wall), clockNs(t, clockThreadCPU)-cpu0
		if n > uint64(sleptCPU/profPeriod) {
			t.Fatalf("%d SIGPROFs while the thread slept %v using %v of CPU time (period %v)", n, slept, sleptCPU, profPeriod)
		}

		// Ten signals of this timer. Should they not come while other
		// SIGPROFs do, the kernel sent them with the wrong si_code or
		// si_tid: fail then rather than at giveUp.
		const want = 10
		spinCPU(t, "10 SIGPROFs from the thread's CPU timer", func() bool {
			return rawTimerCount(id)-c0 >= want || rawCount()-all0 >= 4*want
		})
		n = rawTimerCount(id) - c0
		cpu := clockNs(t, clockThreadCPU) - cpu0
		if n < want {
			t.Fatalf("%d SIGPROFs taken, %d of them with SI_TIMER and si_tid %d; the last had si_code %d, si_tid %d",
				rawCount()-all0, n, id, int64(signals.RawCode), int32(signals.RawUnion[0]))
		}
		// The n-th signal comes once n periods of CPU time have passed.
		if cpu < time.Duration(n)*profPeriod {
			t.Errorf("%d SIGPROFs after only %v of the thread's CPU time (period %v)", n, cpu, profPeriod)
		}
		if signals.RawSig != uint64(syscall.SIGPROF) {
			t.Errorf("handler saw signal %d, want SIGPROF", signals.RawSig)
		}
		if v := signals.RawTimerUnion[id%signals.RawTimers][1]; v != 0x5eed {
			t.Errorf("si_value %#x, want 0x5eed", v)
		}
		var cur itimerspec
		if _, _, e := syscall.RawSyscall(sysTimerGettime, uintptr(id), uintptr(unsafe.Pointer(&cur)), 0); e != 0 {
			t.Fatalf("timer_gettime: %v", e)
		}
		if v := cur.value.Nano(); v <= 0 || v > int64(profPeriod) || cur.interval.Nano() != int64(profPeriod) {
			t.Errorf("timer_gettime: %v left, interval %v; want (0, %v] and %v", time.Duration(v), time.Duration(cur.interval.Nano()), profPeriod, profPeriod)
		}

		// With SIGPROF blocked until the tick has seen five more
		// periods expire, the first expiry queues the signal and the
		// later ones are overruns: one delivery once unblocked, whose
		// si_overrun (at least the expiries counted while it waited,
		// less the one that queued it) timer_getoverrun then repeats.
		// (Waiting for five periods of CPU time instead failed on a
		// busy host: no tick may come in 20 ms of CPU time.)
		prof := bit(syscall.SIGPROF)
		syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0, uintptr(unsafe.Pointer(&prof)), 0, 8, 0, 0) // SIG_BLOCK
		cb, e0 := rawTimerCount(id), expiries(t, id)
		spinCPU(t, "five expiries with SIGPROF blocked", func() bool { return expiries(t, id)-e0 >= 5 })
		blocked := expiries(t, id) - e0
		blockedRuns := rawTimerCount(id) - cb
		syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 1, uintptr(unsafe.Pointer(&prof)), 0, 8, 0, 0) // SIG_UNBLOCK
		overrun := int32(signals.RawTimerUnion[id%signals.RawTimers][0] >> 32)
		r, _, e := syscall.RawSyscall(sysTimerGetoverrun, uintptr(id), 0, 0)
		switch after := rawTimerCount(id) - cb; {
		case blockedRuns != 0 || after == 0:
			t.Errorf("SIGPROF blocked for %d expiries: %d deliveries while blocked, %d after unblocking; want 0 and 1", blocked, blockedRuns, after)
		case after > 1:
			// The next period ended within the few instructions since.
			t.Logf("SIGPROF blocked: %d deliveries right after unblocking, overrun not judged", after)
		case int64(overrun) < int64(blocked)-1:
			t.Errorf("SIGPROF blocked for %d expiries: si_overrun %d, want at least %d", blocked, overrun, blocked-1)
		case e != 0 || int32(r) != overrun:
			t.Errorf("timer_getoverrun: %d, %v; want si_overrun %d", int32(r), e, overrun)
		}
		if _, _, e := syscall.RawSyscall(sysTimerDelete, uintptr(id), 0, 0); e != 0 {
			t.Fatalf("timer_delete: %v", e)
		}
		deleted = true
		after := kernel.CPUTimerStatsOf()
		if taken := after.TimerTaken - before.TimerTaken; taken < n {
			t.Errorf("the kernel counted %d timer signals taken, the handler ran %d times", taken, n)
		}

		// A signal queued before the delete is taken at once, by this
		// thread on its way back from the call; none may come after,
		// through three periods of CPU time and three ticks that found
		// the thread running (each of which would have fired it).
		c1, cpu1, ticks1 := rawTimerCount(id), clockNs(t, clockThreadCPU), me.Stats.Ticks
		spinCPU(t, "three periods of CPU time and three ticks", func() bool {
			return clockNs(t, clockThreadCPU)-cpu1 >= 3*profPeriod && me.Stats.Ticks-ticks1 >= 3
		})
		if d := rawTimerCount(id) - c1; d != 0 {
			t.Errorf("%d SIGPROFs after timer_delete", d)
		}
		if _, _, e := syscall.RawSyscall(sysTimerDelete, uintptr(id), 0, 0); e != syscall.EINVAL {
			t.Errorf("timer_delete of a deleted timer: %v, want EINVAL", e)
		}
		t.Logf("%d SIGPROFs in %v of thread CPU time; slept %v using %v; si_overrun %d after %d blocked expiries", n, cpu, slept, sleptCPU, overrun, blocked)
	})
}

// ITIMER_PROF signals the process with SIGPROF, si_code SI_KERNEL, as the
// process's CPU time passes; getitimer reports it; setitimer with zero
// disarms it.
func TestItimerProf(t *testing.T) {
	runtime.LockOSThread() // so that the ticks that find it running can be counted
	defer runtime.UnlockOSThread()
	me := kernel.Current()
	withRawSIGPROF(t, func() {
		it := itimerval{syscall.NsecToTimeval(int64(profPeriod)), syscall.NsecToTimeval(int64(profPeriod))}
		c0, cpu0 := rawCount(), clockNs(t, clockProcessCPU)
		if _, _, e := syscall.RawSyscall(sysSetitimer, itimerProf, uintptr(unsafe.Pointer(&it)), 0); e != 0 {
			t.Fatalf("setitimer: %v", e)
		}
		const want = 5
		spinCPU(t, "5 SIGPROFs from ITIMER_PROF", func() bool { return rawCount()-c0 >= want })
		n, cpu := rawCount()-c0, clockNs(t, clockProcessCPU)-cpu0
		var cur itimerval
		syscall.RawSyscall(sysGetitimer, itimerProf, uintptr(unsafe.Pointer(&cur)), 0)
		var off itimerval
		if _, _, e := syscall.RawSyscall(sysSetitimer, itimerProf, uintptr(unsafe.Pointer(&off)), 0); e != 0 {
			t.Fatalf("setitimer(0): %v", e)
		}
		if cpu < time.Duration(n)*profPeriod {
			t.Errorf("%d SIGPROFs after only %v of the process's CPU time (period %v)", n, cpu, profPeriod)
		}
		if signals.RawSig != uint64(syscall.SIGPROF) || int64(signals.RawCode) != siKernel {
			t.Errorf("handler saw signal %d si_code %d, want SIGPROF with SI_KERNEL (%d)", signals.RawSig, int64(signals.RawCode), siKernel)
		}
		if v := time.Duration(cur.value.Nano()); v <= 0 || v > profPeriod || cur.interval.Nano() != int64(profPeriod) {
			t.Errorf("getitimer: %v left, interval %v; want (0, %v] and %v", v, time.Duration(cur.interval.Nano()), profPeriod, profPeriod)
		}
		// One queued before may still be on its way to a thread that was
		// in a system call; give it one period, then none may come,
		// through three periods of CPU time and three ticks that found
		// this thread running (each would have fired an armed itimer;
		// on a starved host 12 ms of CPU time can pass with no tick).
		cpuOff := clockNs(t, clockProcessCPU)
		spinCPU(t, "one period of CPU time", func() bool { return clockNs(t, clockProcessCPU)-cpuOff >= profPeriod })
		c1, cpu1, ticks1 := rawCount(), clockNs(t, clockProcessCPU), me.Stats.Ticks
		spinCPU(t, "three periods of CPU time and three ticks", func() bool {
			return clockNs(t, clockProcessCPU)-cpu1 >= 3*profPeriod && me.Stats.Ticks-ticks1 >= 3
		})
		if d := rawCount() - c1; d != 0 {
			t.Errorf("%d SIGPROFs after ITIMER_PROF was disarmed", d)
		}
		t.Logf("%d SIGPROFs in %v of process CPU time", n, cpu)
	})
}

var busySink atomic.Uint64

// busyWindow is what the kernel counted of the busy thread from the
// busy function's first statement to its last: the SIGPROF frames it
// built for the thread's own CPU timer (SI_TIMER), all its signal
// frames, its voluntary switches and its CPU time.
type busyWindow struct {
	task                     atomic.Pointer[kernel.Task]
	timer0, sig0, vol0, cpu0 uint64
	timer1, sig1, vol1, cpu1 uint64
	ended                    atomic.Bool
}

// begin and end are called by the busy function itself, on its thread.
//
//go:noinline
func (w *busyWindow) begin() {
	me := kernel.Current()
	w.timer0, w.sig0 = atomic.LoadUint64(&me.Signal.TimerDelivered), atomic.LoadUint64(&me.Signal.Delivered)
	w.vol0, w.cpu0 = atomic.LoadUint64(&me.Stats.Voluntary), kernel.TaskCPUTime(me)
	w.task.Store(me)
}

//go:noinline
func (w *busyWindow) end() {
	me := kernel.Current()
	w.timer1, w.sig1 = atomic.LoadUint64(&me.Signal.TimerDelivered), atomic.LoadUint64(&me.Signal.Delivered)
	w.vol1, w.cpu1 = atomic.LoadUint64(&me.Stats.Voluntary), kernel.TaskCPUTime(me)
	w.ended.Store(true)
}

// timerSoFar is how many SI_TIMER frames the busy thread has had since
// begin (0 until it began); any goroutine.
func (w *busyWindow) timerSoFar() uint64 {
	me := w.task.Load()
	if me == nil {
		return 0
	}
	return atomic.LoadUint64(&me.Signal.TimerDelivered) - w.timer0
}

// profiledBusyLoop is the function the CPU profile must find.
//
//go:noinline
func profiledBusyLoop(w *busyWindow, stop *atomic.Bool) {
	w.begin()
	x := uint64(1)
	for !stop.Load() {
		for i := 0; i < 1000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	w.end()
	busySink.Store(x)
}

// profiledBusyKthread is the kthread's function the profile must find.
//
//go:noinline
func profiledBusyKthread(w *busyWindow, k *kernel.Kthread) {
	w.begin()
	x := uint64(1)
	for !k.ShouldStop() {
		for i := 0; i < 1000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	w.end()
	busySink.Store(x)
}

// A runtime/pprof CPU profile of a busy goroutine, and of a busy kthread
// (a goroutine locked to a task of its own), holds one sample in the
// busy function for each SIGPROF the kernel delivered to the busy thread
// from its own CPU timer while it ran the function: the runtime's
// per-thread timers (timer_create on the thread's CPU clock,
// SIGEV_THREAD_ID, SI_TIMER) drive it, and the runtime samples where
// each one interrupted its thread. The goroutine locks itself to its
// thread, so that one task's counts are the goroutine's.
//
// What share of the process's samples the busy function gets is the
// host's to decide, not the kernel's: under TCG a host that stops QEMU's
// vCPU thread charges the pause to whatever that CPU runs then, and with
// several CPUs the other runtime threads have their own clocks (a quarter
// was asked for once, and 4 of 34 came on a loaded host with 4 CPUs). So
// the test counts what the kernel observed of the busy thread itself,
// in the window from the function's first statement to its last:
//   - it waits until the kernel has delivered 10 of its timer's signals
//     in the window (100 ms of the thread's CPU time at the runtime's
//     100 Hz), not for wall time or a total over all threads;
//   - no more of them than its CPU time in the window allows (one per
//     10 ms period, and one more for each end of the window): a signal
//     owed to another thread's clock, delivered here, would break this;
//   - samples in the function: at most the window's signals and the two
//     that can be taken inside begin() and end() before or after their
//     reads; at least the window's signals less one for each time the
//     thread may have left the function inside the window (another
//     signal's frame, SIGURG preempting it, or a voluntary switch when
//     it parked): a signal taken then samples the scheduler instead
//     (the runtime's futex calls on the way, slow under TCG, were seen
//     to take a third of the thread's samples), and at least one: the
//     profile finds the function.
//
// The collector is off meanwhile: its stack scans preempt the busy
// goroutine again and again (SIGURG), which only loosens the lower bound.
func TestCPUProfile(t *testing.T) {
	t.Run("goroutine", func(t *testing.T) {
		var stop atomic.Bool
		done := make(chan struct{})
		checkProfile(t, "profiledBusyLoop", func(w *busyWindow) {
			go func() {
				runtime.LockOSThread()
				profiledBusyLoop(w, &stop)
				runtime.UnlockOSThread()
				close(done)
			}()
		}, func() {
			stop.Store(true)
			<-done
		})
	})
	t.Run("kthread", func(t *testing.T) {
		var k *kernel.Kthread
		checkProfile(t, "profiledBusyKthread", func(w *busyWindow) {
			k = kernel.KthreadRun("profiled", func(k *kernel.Kthread) { profiledBusyKthread(w, k) })
		}, func() { kernel.KthreadStop(k) })
	})
}

// checkProfile profiles from start until the busy thread has been
// delivered 10 of its timer's signals in the busy function's window,
// then stops it and the profile, and checks the samples against the
// window's counts.
func checkProfile(t *testing.T, fn string, start func(w *busyWindow), stop func()) {
	const (
		want   = 10
		period = 10 * time.Millisecond // the runtime's 100 Hz
	)
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var buf bytes.Buffer
	var w busyWindow
	before := kernel.CPUTimerStatsOf()
	if err := pprof.StartCPUProfile(&buf); err != nil {
		t.Fatal(err)
	}
	start(&w)
	deadline := time.Now().Add(giveUp)
	for w.timerSoFar() < want {
		if time.Now().After(deadline) {
			stop()
			pprof.StopCPUProfile()
			t.Fatalf("%s: only %d SIGPROFs from its thread's CPU timer after %v (%d timer signals taken by all threads)",
				fn, w.timerSoFar(), giveUp, kernel.CPUTimerStatsOf().TimerTaken-before.TimerTaken)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	pprof.StopCPUProfile()
	if !w.ended.Load() {
		t.Fatalf("%s returned without its window's end", fn)
	}
	taken := kernel.CPUTimerStatsOf().TimerTaken - before.TimerTaken

	p, err := profile.Parse(&buf)
	if err != nil {
		t.Fatalf("parsing the profile: %v", err)
	}
	if len(p.SampleType) < 2 || p.SampleType[1].Type != "cpu" || p.Period != int64(period) {
		t.Errorf("sample types %v, period %d: want cpu samples every %v", p.SampleType, p.Period, period)
	}
	var total, busy int64
	for _, s := range p.Sample {
		total += s.Value[0]
		if sampleHas(s, fn) {
			busy += s.Value[0]
		}
	}
	timer := w.timer1 - w.timer0
	left := (w.sig1 - w.sig0 - timer) + (w.vol1 - w.vol0)
	cpu := time.Duration(w.cpu1 - w.cpu0)
	counts := fmt.Sprintf("%d of %d samples in %s; in its window the kernel delivered %d SIGPROFs from the thread's timer and %d other signals, "+
		"counted %d voluntary switches and %v of CPU time; %d timer signals taken by all threads",
		busy, total, fn, timer, w.sig1-w.sig0-timer, w.vol1-w.vol0, cpu, taken)
	if timer > uint64(cpu/period)+2 {
		t.Errorf("more SIGPROFs than the thread's CPU time owes it: %s", counts)
	}
	low := max(int64(timer)-int64(left), 1)
	if busy > int64(timer)+2 || busy < low {
		t.Fatalf("samples do not match the SIGPROFs delivered (want %d to %d): %s", low, timer+2, counts)
	}
	t.Log(counts)
}

func sampleHas(s *profile.Sample, fn string) bool {
	for _, loc := range s.Location {
		for _, l := range loc.Line {
			if l.Function != nil && strings.HasSuffix(l.Function.Name, "."+fn) {
				return true
			}
		}
	}
	return false
}
