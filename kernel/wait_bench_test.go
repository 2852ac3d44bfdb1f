package kernel_test

// Benchmarks of waiting: how long a futex wake takes to get the woken
// thread running, and a one-byte ping-pong through two pipes. Each side
// is a goroutine locked to its own task, so every hand-over is a sleep
// in the kernel and a wake-up by the other task. Under TCG the numbers
// measure QEMU as much as the kernel; docs/wait.md keeps the table.

import (
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"unsafe"
)

// futexOp is futex(2) on a word of a Go slice, with the raw return.
func futexOp(addr *uint32, op, val uint32, ts *syscall.Timespec, val3 uint32) (uintptr, syscall.Errno) {
	r, _, e := syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), uintptr(op), uintptr(val),
		uintptr(unsafe.Pointer(ts)), 0, uintptr(val3))
	return r, e
}

const (
	futexWait        = 0
	futexWake        = 1
	futexWaitBitset  = 9
	futexWakeBitset  = 10
	futexPrivate     = 128
	futexClockRealtm = 256
)

// BenchmarkFutexWakeToRun: two tasks hand a token back and forth through
// two futex words; ns/wake is half a round trip: the wake system call,
// the switch and the woken side's return from FUTEX_WAIT.
func BenchmarkFutexWakeToRun(b *testing.B) {
	words := make([]uint32, 32)
	ping, pong := &words[0], &words[16]
	n := b.N
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for i := 0; i < n; i++ {
			for atomic.LoadUint32(ping) == 0 {
				futexOp(ping, futexWait|futexPrivate, 0, nil, 0)
			}
			atomic.StoreUint32(ping, 0)
			atomic.StoreUint32(pong, 1)
			futexOp(pong, futexWake|futexPrivate, 1, nil, 0)
		}
		close(done)
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	for i := 0; i < n; i++ {
		atomic.StoreUint32(ping, 1)
		futexOp(ping, futexWake|futexPrivate, 1, nil, 0)
		for atomic.LoadUint32(pong) == 0 {
			futexOp(pong, futexWait|futexPrivate, 0, nil, 0)
		}
		atomic.StoreUint32(pong, 0)
	}
	b.StopTimer()
	<-done
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*n), "ns/wake")
}

// BenchmarkPipePingPong: one byte there through one pipe and back through
// another, with blocking reads; ns/op is the round trip.
func BenchmarkPipePingPong(b *testing.B) {
	var there, back [2]int
	if err := syscall.Pipe2(there[:], syscall.O_CLOEXEC); err != nil {
		b.Fatal(err)
	}
	if err := syscall.Pipe2(back[:], syscall.O_CLOEXEC); err != nil {
		b.Fatal(err)
	}
	defer func() {
		for _, fd := range []int{there[0], there[1], back[0], back[1]} {
			syscall.Close(fd)
		}
	}()
	n := b.N
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var c [1]byte
		for i := 0; i < n; i++ {
			rawRead(there[0], c[:])
			rawWrite(back[1], c[:])
		}
		close(done)
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	c := []byte{'x'}
	for i := 0; i < n; i++ {
		rawWrite(there[1], c)
		rawRead(back[0], c)
	}
	b.StopTimer()
	<-done
}

// rawRead and rawWrite are read(2) and write(2) without the os package's
// poller: the calling task blocks in the kernel.
func rawRead(fd int, b []byte) (int, syscall.Errno) {
	r, _, e := syscall.Syscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	return int(r), e
}

func rawWrite(fd int, b []byte) (int, syscall.Errno) {
	r, _, e := syscall.Syscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	return int(r), e
}
