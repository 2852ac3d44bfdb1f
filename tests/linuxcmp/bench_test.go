package linuxcmp_test

import (
	"runtime"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// report sorts the samples and reports their median, 99th percentile
// and maximum in microseconds, with the given prefix.
func report(b *testing.B, prefix string, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	us := func(x time.Duration) float64 { return float64(x) / 1e3 }
	b.ReportMetric(us(d[len(d)/2]), prefix+"-p50-us")
	b.ReportMetric(us(d[len(d)*99/100]), prefix+"-p99-us")
	b.ReportMetric(us(d[len(d)-1]), prefix+"-max-us")
}

// BenchmarkTimeNow: one time.Now(), the vDSO's clock_gettime twice on
// both kernels.
func BenchmarkTimeNow(b *testing.B) {
	for i := 0; i < b.N; i++ {
		time.Now()
	}
}

// BenchmarkRawGetpid: the cheapest system call, without the runtime's
// entersyscall/exitsyscall, so the kernel's entry and exit paths alone
// (signals.BenchmarkRawGetpid is the same loop; docs/syscall.md).
func BenchmarkRawGetpid(b *testing.B) {
	for i := 0; i < b.N; i++ {
		syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
	}
}

// BenchmarkGoroutineCreate: a goroutine created and run to its end,
// handing back on a channel.
func BenchmarkGoroutineCreate(b *testing.B) {
	done := make(chan struct{})
	for i := 0; i < b.N; i++ {
		go func() { done <- struct{}{} }()
		<-done
	}
}

// BenchmarkChanPingPong: a round trip between two goroutines over
// unbuffered channels.
func BenchmarkChanPingPong(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	for i := 0; i < b.N; i++ {
		ping <- i
		<-pong
	}
	close(ping)
}

// BenchmarkSleep1ms: how much longer than 1 ms a time.Sleep(time.Millisecond)
// takes (the runtime sleeps in futex or epoll_pwait with a timeout).
func BenchmarkSleep1ms(b *testing.B) {
	over := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		time.Sleep(time.Millisecond)
		over = append(over, time.Since(t0)-time.Millisecond)
	}
	b.StopTimer()
	report(b, "oversleep", over)
}

const sysGetcpu = 309 // getcpu(2) on x86-64

// bindCPU pins the calling thread to one CPU with sched_setaffinity and
// checks with getcpu that it runs there.
func bindCPU(b *testing.B, cpu int) {
	mask := uint64(1) << cpu
	if _, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, 8, uintptr(unsafe.Pointer(&mask))); e != 0 {
		b.Errorf("sched_setaffinity(CPU %d): %v", cpu, e)
		return
	}
	var got uint32
	if _, _, e := syscall.RawSyscall(sysGetcpu, uintptr(unsafe.Pointer(&got)), 0, 0); e != 0 || got != uint32(cpu) {
		b.Errorf("after sched_setaffinity to CPU %d: getcpu says CPU %d (%v)", cpu, got, e)
	}
}

func futexWait(addr *uint32, val uint32) {
	syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), 0|128, uintptr(val), 0, 0, 0)
}

func futexWake(addr *uint32) {
	syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), 1|128, 1, 0, 0, 0)
}

// BenchmarkFutexPingPong: two threads pinned to CPUs 0 and 1 pass a token
// through two futex words, FUTEX_WAIT_PRIVATE and FUTEX_WAKE_PRIVATE, so
// a round trip is two cross-CPU wake-ups of a sleeping thread. Reported:
// the round trip's p50, p99 and max, and the share of round trips over
// 1 ms (slow-frac), which is what a bimodal distribution shows as.
// ns/op is the mean round trip. Needs two CPUs.
func BenchmarkFutexPingPong(b *testing.B) {
	if runtime.NumCPU() < 2 {
		b.Skip("needs two CPUs")
	}
	words := make([]uint32, 32) // the two words on separate cache lines
	ping, pong := &words[0], &words[16]
	n := b.N
	rtt := make([]time.Duration, 0, n)
	var ready atomic.Bool
	echoed := make(chan struct{})
	go func() {
		defer close(echoed)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		bindCPU(b, 1)
		ready.Store(true)
		for i := 0; i < n; i++ {
			for atomic.LoadUint32(ping) == 0 {
				futexWait(ping, 0)
			}
			atomic.StoreUint32(ping, 0)
			atomic.StoreUint32(pong, 1)
			futexWake(pong)
		}
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	bindCPU(b, 0)
	for !ready.Load() {
		time.Sleep(time.Millisecond)
	}
	b.ResetTimer()
	for i := 0; i < n; i++ {
		t0 := time.Now()
		atomic.StoreUint32(ping, 1)
		futexWake(ping)
		for atomic.LoadUint32(pong) == 0 {
			futexWait(pong, 0)
		}
		atomic.StoreUint32(pong, 0)
		rtt = append(rtt, time.Since(t0))
	}
	b.StopTimer()
	<-echoed
	slow := 0
	for _, d := range rtt {
		if d > time.Millisecond {
			slow++
		}
	}
	report(b, "rtt", rtt)
	b.ReportMetric(float64(slow)/float64(max(len(rtt), 1)), "slow-frac")
}
