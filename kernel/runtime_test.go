package kernel_test

// Kernel-mode tests of the Go runtime running on the kernel: the Linux
// system calls it depends on (clone, futex, clock_gettime, nanosleep,
// epoll, mmap/madvise) doing their job.

import (
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopreempt/kernel"
	"gopreempt/mm"
	"gopreempt/rtc"
)

func TestRuntimeStarted(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Fatalf("runtime reports %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	// The runtime counts CPUs with sched_getaffinity at start-up (the
	// kthread layer may have raised GOMAXPROCS since).
	if n := runtime.NumCPU(); n != kernel.OnlineCPUs() {
		t.Errorf("runtime.NumCPU = %d, want the %d online CPUs (sched_getaffinity)", n, kernel.OnlineCPUs())
	}
	if got := syscall.Getpid(); got != 1 {
		t.Errorf("getpid = %d, want 1", got)
	}
}

// Goroutines locked to their threads force the runtime to clone a thread
// for each; each thread is a kernel task with its own tid.
func TestGoroutinesAcrossThreads(t *testing.T) {
	const n = 6
	tids := make(chan int, n)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			tids <- syscall.Gettid()
			<-release
		}()
	}
	seen := map[int]bool{}
	for i := 0; i < n; i++ {
		tid := <-tids
		if task := kernel.FindTask(int32(tid)); task == nil {
			t.Errorf("gettid = %d names no kernel task", tid)
		} else {
			kernel.PutTaskStruct(task)
		}
		seen[tid] = true
	}
	close(release)
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d locked goroutines ran on %d distinct threads, want %d", n, len(seen), n)
	}
}

// Ping-pong between two locked threads: every hand-off is a futex wait
// on one task and a futex wake from the other.
func TestFutexWakeups(t *testing.T) {
	const rounds = 2000
	ping, pong := make(chan int), make(chan int)
	go func() {
		runtime.LockOSThread()
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for i := 0; i < rounds; i++ {
		ping <- i
		if v := <-pong; v != i+1 {
			t.Fatalf("round %d: got %d", i, v)
		}
	}
	close(ping)
	<-pong
}

// The kernel's clock (the TSC, calibrated against the PIT) against the
// host's: QEMU keeps the CMOS RTC on host time, so five RTC second edges
// are five host seconds.
func TestClockRate(t *testing.T) {
	// Six edges of the RTC's seconds, as time.Now saw them. Each is
	// seen a little late, by as long as this vCPU was kept from polling
	// (on a loaded host, tens of milliseconds now and then), so a single
	// 5-second span would be off by the two edges' delays. The median of
	// the five one-second intervals is not: a late edge spoils the two
	// intervals next to it, one short and one long, and the middle value
	// stays an undisturbed one.
	var at [6]time.Time
	rtc.WaitSecondEdge()
	at[0] = time.Now()
	for i := 1; i < len(at); i++ {
		rtc.WaitSecondEdge()
		at[i] = time.Now()
	}
	var d [5]time.Duration
	for i := range d {
		d[i] = at[i+1].Sub(at[i])
	}
	sorted := d
	slices.Sort(sorted[:])
	got := sorted[len(sorted)/2]
	if got < 980*time.Millisecond || got > 1020*time.Millisecond {
		t.Fatalf("an RTC second took %v by time.Now (median of %v), outside 2%%", got, d)
	}
	t.Logf("an RTC second = %v of kernel time (median of %v)", got, d)
	if wall := time.Now().Unix() - rtc.Read().Unix(); wall < -2 || wall > 2 {
		t.Errorf("wall clock is %d s away from the RTC", wall)
	}
}

func TestSleep(t *testing.T) {
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		time.Sleep(100 * time.Millisecond)
		// Never short. Late by up to a tick normally, by more on a
		// loaded host; a second late means the timer was lost or its
		// unit is wrong, not that the host was busy.
		if d := time.Since(t0); d < 100*time.Millisecond || d > 1100*time.Millisecond {
			t.Errorf("time.Sleep(100ms) took %v", d)
		}
	}
}

var sink [][]byte

// GC under allocation pressure: allocate 320 MiB in all with at most
// 16 MiB live; the collector must keep the heap bounded, and the pages it
// returns (madvise) must really go back to the frame allocator.
func TestGCUnderPressure(t *testing.T) {
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	const chunk = 1 << 20
	for i := 0; i < 320; i++ {
		b := make([]byte, chunk)
		b[0], b[chunk-1] = byte(i), byte(i)
		sink = append(sink, b)
		if len(sink) > 16 {
			sink = sink[1:]
		}
		if i%64 == 63 {
			runtime.GC()
		}
	}
	sink = nil
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if got := after.NumGC - before.NumGC; got < 5 {
		t.Errorf("%d GC cycles, want at least 5", got)
	}
	if after.TotalAlloc-before.TotalAlloc < 320<<20 {
		t.Errorf("allocated %d MiB, want 320", (after.TotalAlloc-before.TotalAlloc)>>20)
	}
	if after.HeapSys > 128<<20 {
		t.Errorf("heap grew to %d MiB for a 16 MiB live set", after.HeapSys>>20)
	}
	_, resident, faults := mm.Stats()
	free, total := mm.FreeFrames()
	t.Logf("resident %d MiB, %d demand faults, %d of %d MiB free", resident*mm.PageSize>>20, faults,
		free*mm.PageSize>>20, total*mm.PageSize>>20)
	if resident*mm.PageSize > 256<<20 {
		t.Errorf("%d MiB resident after the run: freed memory is not returned", resident*mm.PageSize>>20)
	}
}
