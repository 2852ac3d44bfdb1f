package vdso_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/internal/ktest"
	"gopreempt/kernel"
	"gopreempt/linux"
	"gopreempt/mm"
	"gopreempt/percpu"
	"gopreempt/vdso"
)

func TestMain(m *testing.M) { ktest.Main(m) }

// The runtime's own record of what it found in the vDSO. It marks this
// variable for the syscall package's use, so it may be reached here.
//
//go:linkname runtimeGettimeofdaySym runtime.vdsoGettimeofdaySym
var runtimeGettimeofdaySym uintptr

// The runtime's monotonic clock (what time.Now's monotonic reading and
// every runtime timer use), through the vDSO when it has one.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

type timespec struct{ sec, nsec int64 }

func (ts *timespec) ns() int64 { return ts.sec*1e9 + ts.nsec }

const (
	clockRealtime        = 0
	clockMonotonic       = 1
	clockProcessCputime  = 2
	clockMonotonicRaw    = 4
	clockRealtimeCoarse  = 5
	clockMonotonicCoarse = 6
	clockBoottime        = 7
)

func sysClockGettime(clk int) (int64, syscall.Errno) {
	ts := new(timespec)
	_, _, e := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, uintptr(clk), uintptr(unsafe.Pointer(ts)), 0)
	return ts.ns(), e
}

func vdsoClockGettime(clk int) (int64, int64) {
	ts := new(timespec)
	r := vdso.Call2(vdso.ClockGettime(), uintptr(clk), uintptr(unsafe.Pointer(ts)))
	return ts.ns(), int64(r)
}

// The runtime found the image and its functions, the way it does on Linux.
func TestRuntimeFoundTheVDSO(t *testing.T) {
	if vdso.SysinfoEhdr() == 0 {
		t.Fatal("no vDSO mapped: AT_SYSINFO_EHDR is 0")
	}
	if runtimeGettimeofdaySym != vdso.Gettimeofday() {
		t.Fatalf("the runtime's __vdso_gettimeofday is %#x, the image has it at %#x", runtimeGettimeofdaySym, vdso.Gettimeofday())
	}
}

// The image is read-only and executable, the data page read-only and
// not executable, as the page tables say.
func TestMappingProtection(t *testing.T) {
	for _, c := range []struct {
		what string
		va   uintptr
		want uint32
	}{
		{"the image", vdso.SysinfoEhdr(), mm.PROT_READ | mm.PROT_EXEC},
		{"the data page", vdso.DataPage(), mm.PROT_READ},
	} {
		prot, ok := mm.PageProt(c.va)
		if !ok {
			t.Errorf("%s at %#x is not mapped", c.what, c.va)
		} else if prot != c.want {
			t.Errorf("%s at %#x has protection %#x, want %#x", c.what, c.va, prot, c.want)
		}
	}
	// The pages are the address space's own: an mmap that asks for
	// their address (without MAP_FIXED) is put elsewhere.
	lo, hi := vdso.DataPage(), vdso.SysinfoEhdr()+mm.PageSize
	a, e := mm.Map(lo, hi-lo, mm.PROT_READ|mm.PROT_WRITE, false)
	if e != 0 {
		t.Fatalf("mmap: error %d", e)
	}
	mm.Unmap(a, hi-lo)
	if a < hi && lo < a+(hi-lo) {
		t.Errorf("mmap with the vDSO's address as hint was given %#x, over the vDSO at %#x-%#x", a, lo, hi)
	}
}

// time.Now in a loop makes no clock_gettime system call: the runtime
// takes the vDSO. The counter itself counts: one raw system call moves
// it by at least one.
func TestTimeNowMakesNoSystemCall(t *testing.T) {
	before := linux.SyscallCount(syscall.SYS_CLOCK_GETTIME)
	var last time.Time
	for i := 0; i < 10000; i++ {
		now := time.Now()
		if now.Before(last) {
			t.Fatalf("time.Now went backwards: %v after %v", now, last)
		}
		last = now
	}
	if n := linux.SyscallCount(syscall.SYS_CLOCK_GETTIME) - before; n != 0 {
		t.Fatalf("10000 time.Now calls made %d clock_gettime system calls, want 0", n)
	}
	sysClockGettime(clockMonotonic)
	if linux.SyscallCount(syscall.SYS_CLOCK_GETTIME) == before {
		t.Fatal("a clock_gettime system call was not counted: the check above proves nothing")
	}
}

// Each clock the vDSO serves reads between two system-call readings of
// the same clock: both compute one formula from one TSC, so a vDSO
// reading taken between two system calls can be neither earlier than
// the first nor later than the second (the clock's precision is 1 ns).
func TestClockGettimeAgreesWithSystemCall(t *testing.T) {
	for _, clk := range []int{clockRealtime, clockMonotonic, clockMonotonicRaw, clockRealtimeCoarse, clockMonotonicCoarse, clockBoottime} {
		for i := 0; i < 100; i++ {
			before, e1 := sysClockGettime(clk)
			got, r := vdsoClockGettime(clk)
			after, e2 := sysClockGettime(clk)
			if e1 != 0 || e2 != 0 || r != 0 {
				t.Fatalf("clock %d: system call errors %v, %v; vDSO returned %d", clk, e1, e2, r)
			}
			if got < before || got > after {
				t.Fatalf("clock %d: vDSO read %d, outside the system calls' %d..%d", clk, got, before, after)
			}
		}
	}
}

// gettimeofday and time agree with CLOCK_REALTIME, at their precision
// (1 µs, 1 s), and fill in what they are given.
func TestGettimeofdayAndTime(t *testing.T) {
	var tv struct{ sec, usec int64 }
	tz := [2]int32{-1, -1}
	before, _ := sysClockGettime(clockRealtime)
	r := vdso.Call2(vdso.Gettimeofday(), uintptr(unsafe.Pointer(&tv)), uintptr(unsafe.Pointer(&tz)))
	var tt int64
	sec := int64(vdso.Call2(vdso.Time(), uintptr(unsafe.Pointer(&tt)), 0))
	after, _ := sysClockGettime(clockRealtime)
	if r != 0 {
		t.Errorf("gettimeofday returned %d", int64(r))
	}
	if us := tv.sec*1e6 + tv.usec; us < before/1000 || us > after/1000 || tv.usec >= 1e6 {
		t.Errorf("gettimeofday: %d s %d µs, outside %d..%d µs", tv.sec, tv.usec, before/1000, after/1000)
	}
	if tz != [2]int32{0, 0} {
		t.Errorf("gettimeofday's timezone is %v, want UTC (0, 0)", tz)
	}
	if sec < before/1e9 || sec > after/1e9 || tt != sec {
		t.Errorf("time() = %d and *t = %d, outside %d..%d s", sec, tt, before/1e9, after/1e9)
	}
	// NULL pointers are allowed.
	if r := vdso.Call2(vdso.Gettimeofday(), 0, 0); r != 0 {
		t.Errorf("gettimeofday(NULL, NULL) returned %d", int64(r))
	}
	if s := int64(vdso.Call2(vdso.Time(), 0, 0)); s < before/1e9 {
		t.Errorf("time(NULL) = %d", s)
	}
}

// Clocks the vDSO does not compute go to the system call, with its
// result, and are counted.
func TestOtherClocksFallBack(t *testing.T) {
	for _, c := range []struct {
		clk  int
		want int64
	}{
		{clockProcessCputime, 0},
		{99, -int64(syscall.EINVAL)},
		{-1, -int64(syscall.EINVAL)}, // a negative id (a CPU-time clock of a pid on Linux)
	} {
		before := linux.SyscallCount(syscall.SYS_CLOCK_GETTIME)
		_, r := vdsoClockGettime(c.clk)
		if r != c.want {
			t.Errorf("clock %d: vDSO returned %d, want %d", c.clk, r, c.want)
		}
		if linux.SyscallCount(syscall.SYS_CLOCK_GETTIME) == before {
			t.Errorf("clock %d: no system call made", c.clk)
		}
	}
}

// inKthreadOn runs fn in a kthread bound to cpu and waits for it.
func inKthreadOn(cpu int, fn func()) *kernel.Kthread {
	return kernel.KthreadRun("vdso-test", func(k *kernel.Kthread) {
		k.Bind(cpu)
		fn()
	})
}

// The monotonic clock never goes backwards, across goroutines on every
// CPU: one kthread per CPU reads the runtime's nanotime (the vDSO) and
// checks it against the latest reading any CPU has published. A reading
// published before this one was taken (the atomic load sees it) must
// not be later than it. The kthreads measure only once all are running.
func TestClockMonotonicAcrossCPUs(t *testing.T) {
	clockAcrossCPUs(t, "CLOCK_MONOTONIC", 0, nanotime)
}

// CLOCK_REALTIME is the RTC's reading at boot plus the monotonic clock
// (kernel/clock.go), so the same holds for it, through the vDSO, and no
// reading is earlier than the boot's offset, negative, or an invalid
// timespec.
func TestClockRealtimeAcrossCPUs(t *testing.T) {
	_, _, bootReal := kernel.ClockParams()
	if bootReal <= 0 {
		t.Fatalf("the wall clock's offset from the monotonic clock is %d ns", bootReal)
	}
	clockAcrossCPUs(t, "CLOCK_REALTIME", bootReal, func() int64 {
		var ts timespec
		if r := vdso.Call2(vdso.ClockGettime(), clockRealtime, uintptr(unsafe.Pointer(&ts))); r != 0 || ts.nsec < 0 || ts.nsec >= 1e9 {
			return -1 // below any floor: reported as such
		}
		return ts.ns()
	})
}

// clockAcrossCPUs runs the cross-CPU check of read, whose readings must
// also be at least floor.
func clockAcrossCPUs(t *testing.T, name string, floor int64, read func() int64) {
	n := kernel.OnlineCPUs()
	const reads = 20000
	var latest atomic.Int64
	var ready atomic.Int32
	var mu sync.Mutex
	var worst int64
	lowest := floor
	var backwards, below, onCPU int
	done := make([]*kernel.Kthread, 0, n)
	for cpu := 0; cpu < n; cpu++ {
		done = append(done, inKthreadOn(cpu, func() {
			ready.Add(1)
			for int(ready.Load()) < n {
				runtime.Gosched() // a point where the Go runtime can stop the world
			}
			var back, low int
			var most int64
			least := floor
			for i := 0; i < reads; i++ {
				if i%1024 == 0 {
					runtime.Gosched()
				}
				prev := latest.Load()
				now := read()
				if now < floor {
					low++
					least = min(least, now)
				}
				if now < prev {
					back++
					most = max(most, prev-now)
				}
				for cur := prev; now > cur && !latest.CompareAndSwap(cur, now); cur = latest.Load() {
				}
			}
			mu.Lock()
			backwards += back
			below += low
			worst = max(worst, most)
			lowest = min(lowest, least)
			if percpu.RawSmpProcessorID() == cpu {
				onCPU++
			}
			mu.Unlock()
		}))
	}
	for _, k := range done {
		<-k.Done()
	}
	if onCPU != n {
		t.Fatalf("only %d of %d kthreads ended on their CPU", onCPU, n)
	}
	if below != 0 {
		t.Errorf("%s read below %d (or an invalid timespec) %d times, as low as %d", name, floor, below, lowest)
	}
	if backwards != 0 {
		t.Fatalf("%s went backwards %d times in %d readings on %d CPUs, by up to %d ns", name, backwards, reads*n, n, worst)
	}
}

// spinUntil busy-waits, reading only the TSC (never the clock under
// test), until cond holds or d has passed; it reports whether cond held.
func spinUntil(cond func() bool, d time.Duration) bool {
	end := amd64.Rdtsc() + kernel.TSCFrequency()*uint64(d)/1e9
	for amd64.Rdtsc() < end {
		if cond() {
			return true
		}
	}
	return cond()
}

// A reader waits while the kernel rewrites the data page: with seq held
// odd, a vDSO clock_gettime on another CPU does not return; once seq is
// even again, it does. The writer is a kthread with preemption off (no
// Go preemption either: every nanotime, the Go scheduler's included,
// waits while seq is odd), and the reader starts its call only once seq
// is odd, so the 20 ms it is held cover the reader's call.
func TestSeqlockReaderWaitsForWriter(t *testing.T) {
	if kernel.OnlineCPUs() < 2 {
		t.Skip("needs a second CPU for the reader (run with GOPREEMPT_SMP=4)")
	}
	var readerReady, odd, started, done atomic.Bool
	var sawDone, gotStarted bool
	reader := inKthreadOn(1, func() {
		readerReady.Store(true)
		if !spinUntil(odd.Load, 5*time.Second) {
			return
		}
		started.Store(true)
		vdsoClockGettime(clockMonotonic)
		done.Store(true)
	})
	writer := inKthreadOn(0, func() {
		for !readerReady.Load() {
			runtime.Gosched()
		}
		kernel.PreemptDisable()
		vdso.SeqWrite() // odd: a change is in progress
		odd.Store(true)
		gotStarted = spinUntil(started.Load, 2*time.Second)
		spinUntil(func() bool { return false }, 20*time.Millisecond)
		sawDone = done.Load()
		vdso.SeqWrite() // even: the change is complete
		kernel.PreemptEnable()
	})
	<-writer.Done()
	<-reader.Done()
	if !gotStarted {
		t.Fatal("the reader did not start its call within 2 s while seq was odd")
	}
	if sawDone {
		t.Fatal("the vDSO returned a time while the data page's seq was odd")
	}
	if !done.Load() {
		t.Fatal("the reader did not finish after seq became even")
	}
}

// getcpu names the CPU it runs on, on every CPU, without a system call
// when the CPU has RDTSCP; and through the system call, with the same
// answer, when the data page says there is no RDTSCP.
func TestGetcpuOnEveryCPU(t *testing.T) {
	for _, mode := range []uint32{1, 0} {
		old := vdso.SetGetcpuMode(mode)
		if old == 0 && mode == 1 {
			vdso.SetGetcpuMode(old)
			t.Log("the CPU has no RDTSCP: only the system-call path is tested")
			continue
		}
		before := linux.SyscallCount(linux.SYS_getcpu)
		for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
			k := inKthreadOn(cpu, func() {
				for i := 0; i < 10; i++ {
					got, node := ^uint32(0), ^uint32(0)
					r := vdso.Call2(vdso.Getcpu(), uintptr(unsafe.Pointer(&got)), uintptr(unsafe.Pointer(&node)))
					if r != 0 || int(got) != kernel.SmpProcessorID() || node != 0 {
						t.Errorf("mode %d: bound to CPU %d, getcpu returned %d with cpu %d node %d", mode, cpu, int64(r), got, node)
					}
				}
			})
			<-k.Done()
		}
		calls := linux.SyscallCount(linux.SYS_getcpu) - before
		if mode == 1 && calls != 0 {
			t.Errorf("getcpu with RDTSCP made %d system calls", calls)
		}
		if mode == 0 && calls == 0 {
			t.Errorf("getcpu without RDTSCP made no system call")
		}
		vdso.SetGetcpuMode(old)
	}
}

// time.Now through the vDSO: two calls of __vdso_clock_gettime.
func BenchmarkTimeNow(b *testing.B) {
	before := linux.SyscallCount(syscall.SYS_CLOCK_GETTIME)
	start := time.Now()
	for i := 0; i < b.N; i++ {
		time.Now()
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N), "ns/now")
	b.ReportMetric(float64(linux.SyscallCount(syscall.SYS_CLOCK_GETTIME)-before)/float64(b.N), "syscalls/now")
}

// What time.Now cost before the vDSO: the runtime's fallback, two
// clock_gettime system calls (runtime/time_linux_amd64.s).
func BenchmarkTimeNowBySystemCalls(b *testing.B) {
	ts := new(timespec)
	p := uintptr(unsafe.Pointer(ts))
	start := time.Now()
	for i := 0; i < b.N; i++ {
		syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockRealtime, p, 0)
		syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, p, 0)
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N), "ns/now")
}

// One __vdso_getcpu call.
func BenchmarkGetcpu(b *testing.B) {
	var cpu, node uint32
	pc, pn := uintptr(unsafe.Pointer(&cpu)), uintptr(unsafe.Pointer(&node))
	for i := 0; i < b.N; i++ {
		vdso.Call2(vdso.Getcpu(), pc, pn)
	}
}
