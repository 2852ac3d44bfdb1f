package kernel_test

// Benchmarks of timer precision (issue 14, part 2): how late a 1 ms
// futex timeout ends, and the round trip of a raw futex ping-pong between
// two CPUs, with what the kernel counted for it. The 1 ms time.Sleep is
// tests/linuxcmp's BenchmarkSleep1ms, which runs unchanged on the Linux
// guest too. They report distributions, not
// averages: a tick-driven timer shows as an oversleep median near half a
// tick and a ping-pong whose slow mode is the tick. docs/timers.md keeps
// the tables, before and after, and the Linux guest's figures.

import (
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"gopreempt/kernel"
)

// reportLateness sorts the samples and reports their median, 99th
// percentile and maximum in microseconds, with the given prefix.
func reportLateness(b *testing.B, prefix string, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	us := func(x time.Duration) float64 { return float64(x) / 1e3 }
	b.ReportMetric(us(d[len(d)/2]), prefix+"-p50-us")
	b.ReportMetric(us(d[len(d)*99/100]), prefix+"-p99-us")
	b.ReportMetric(us(d[len(d)-1]), prefix+"-max-us")
}

// hrFutexWait is FUTEX_WAIT_PRIVATE on addr with a relative timeout.
func hrFutexWait(addr *uint32, val uint32, ts *syscall.Timespec) {
	syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), 0|128, uintptr(val),
		uintptr(unsafe.Pointer(ts)), 0, 0)
}

// hrFutexWake is FUTEX_WAKE_PRIVATE of one waiter on addr.
func hrFutexWake(addr *uint32) {
	syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), 1|128, 1, 0, 0, 0)
}

// BenchmarkFutexTimeout: a FUTEX_WAIT with a 1 ms timeout on a word
// nobody changes, and how late past 1 ms it returns.
func BenchmarkFutexTimeout(b *testing.B) {
	var word uint32
	ts := syscall.Timespec{Nsec: 1e6}
	late := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		hrFutexWait(&word, 0, &ts)
		late = append(late, time.Since(t0)-time.Millisecond)
	}
	b.StopTimer()
	reportLateness(b, "late", late)
}

// BenchmarkFutexPingPongCPUs: two kthreads bound to CPUs 0 and 1 pass a
// token through two futex words. Each hand-over wakes a task on the
// other CPU, so the round trip is two cross-CPU wake-ups: by reschedule
// IPI, or by the other CPU's next tick if the IPI is missing. Reported:
// the round trip's median, p99 and maximum, and the share of round
// trips slower than 1 ms, and the reschedule IPIs the two CPUs took per
// round trip (about 2 when every wake-up goes by IPI: then a slow round
// trip is the host not running a virtual CPU, not a wake-up waiting for
// a tick). Needs two CPUs.
func BenchmarkFutexPingPongCPUs(b *testing.B) {
	if kernel.OnlineCPUs() < 2 {
		b.Skip("needs two CPUs (GOPREEMPT_SMP=4)")
	}
	words := make([]uint32, 32)
	ping, pong := &words[0], &words[16]
	n := b.N
	rtt := make([]time.Duration, 0, n)
	var ready atomic.Bool
	echo := kernel.KthreadRun("pong", func(k *kernel.Kthread) {
		k.Bind(1)
		ready.Store(true)
		for i := 0; i < n; i++ {
			for atomic.LoadUint32(ping) == 0 {
				hrFutexWait(ping, 0, nil)
			}
			atomic.StoreUint32(ping, 0)
			atomic.StoreUint32(pong, 1)
			hrFutexWake(pong)
		}
	})
	defer kernel.KthreadStop(echo)
	ipis := func() uint64 { return kernel.CPUStatsOf(0).ReschedIPIs + kernel.CPUStatsOf(1).ReschedIPIs }
	var ipisBefore, ipisAfter uint64
	done := make(chan struct{})
	kernel.KthreadRun("ping", func(k *kernel.Kthread) {
		defer close(done)
		k.Bind(0)
		for !ready.Load() {
			kernel.Msleep(1)
		}
		b.ResetTimer()
		ipisBefore = ipis()
		for i := 0; i < n; i++ {
			t0 := time.Now()
			atomic.StoreUint32(ping, 1)
			hrFutexWake(ping)
			for atomic.LoadUint32(pong) == 0 {
				hrFutexWait(pong, 0, nil)
			}
			atomic.StoreUint32(pong, 0)
			rtt = append(rtt, time.Since(t0))
		}
		ipisAfter = ipis()
		b.StopTimer()
	})
	<-done
	slow := 0
	for _, d := range rtt {
		if d > time.Millisecond {
			slow++
		}
	}
	reportLateness(b, "rtt", rtt)
	b.ReportMetric(float64(slow)/float64(max(len(rtt), 1)), "slow-frac")
	b.ReportMetric(float64(ipisAfter-ipisBefore)/float64(max(len(rtt), 1)), "ipis/rtt")
}
