// Package linuxguest is timerlat's measurement for a Linux guest: the
// same sleeper and hog as package timerlat, with nothing but the Linux
// system-call interface, so that one static test binary runs on Debian's
// kernel under the same QEMU (docs/sched.md has the figures). On Linux the hog runs in user space: the kernel
// preempts it at any tick or wake-up whatever its preemption model, so
// the figures are the yardstick for gopreempt's preempt=full. Only the
// latency back in Go code can be measured from user space (timerlat's
// Return figure).
package linuxguest

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

const clockMonotonic, timerAbstime = 1, 1

func now() int64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

func sleepUntil(deadline int64) {
	ts := syscall.NsecToTimespec(deadline)
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_CLOCK_NANOSLEEP, clockMonotonic, timerAbstime,
			uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		if e != syscall.EINTR {
			return
		}
	}
}

// bindCPU0 pins the calling (locked) thread to CPU 0.
func bindCPU0() {
	mask := uint64(1)
	syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, 8, uintptr(unsafe.Pointer(&mask)))
}

func BenchmarkWakeupLatencyLinux(b *testing.B) {
	for _, hog := range []time.Duration{0, 100 * time.Millisecond} {
		b.Run(fmt.Sprintf("hog=%v", hog), func(b *testing.B) {
			defer debug.SetGCPercent(debug.SetGCPercent(-1))
			stop := make(chan struct{})
			hogDone := make(chan struct{})
			if hog > 0 {
				go func() {
					defer close(hogDone)
					runtime.LockOSThread()
					bindCPU0()
					for {
						select {
						case <-stop:
							return
						default:
						}
						for t0 := now(); now()-t0 < int64(hog); {
						}
						time.Sleep(time.Millisecond)
					}
				}()
			} else {
				close(hogDone)
			}
			lat := make([]time.Duration, b.N)
			done := make(chan struct{})
			go func() {
				defer close(done)
				runtime.LockOSThread()
				bindCPU0()
				next := now() + int64(time.Millisecond)
				for i := range lat {
					sleepUntil(next)
					t := now()
					lat[i] = time.Duration(t - next)
					next += int64(time.Millisecond)
					if next <= t {
						next = t + int64(time.Millisecond)
					}
				}
			}()
			<-done
			close(stop)
			<-hogDone
			slices.Sort(lat)
			pct := func(p float64) float64 {
				k := min(max(int(p/100*float64(len(lat))+0.999999)-1, 0), len(lat)-1)
				return float64(lat[k]) / 1e3
			}
			b.ReportMetric(pct(50), "gop50-us")
			b.ReportMetric(pct(99), "gop99-us")
			b.ReportMetric(pct(100), "gomax-us")
			b.ReportMetric(0, "ns/op")
		})
	}
}
