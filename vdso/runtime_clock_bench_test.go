package vdso_test

import (
	"syscall"
	"testing"

	"gopreempt/linux"
)

// Runtime operations that read the clock on their own: the scheduler
// stamps goroutine creation and wake-ups with nanotime. Each reports the
// clock_gettime system calls it made per operation ("cgt/op"), which
// the vDSO takes to zero; docs/vdso.md has their instruction counts with
// and without it.

// A goroutine created and run to its end, handing back on a channel.
func BenchmarkGoroutineCreate(b *testing.B) {
	before := linux.SyscallCount(syscall.SYS_CLOCK_GETTIME)
	done := make(chan struct{})
	for i := 0; i < b.N; i++ {
		go func() { done <- struct{}{} }()
		<-done
	}
	b.ReportMetric(float64(linux.SyscallCount(syscall.SYS_CLOCK_GETTIME)-before)/float64(b.N), "cgt/op")
}

// A round trip between two goroutines over unbuffered channels.
func BenchmarkChanPingPong(b *testing.B) {
	before := linux.SyscallCount(syscall.SYS_CLOCK_GETTIME)
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
	b.ReportMetric(float64(linux.SyscallCount(syscall.SYS_CLOCK_GETTIME)-before)/float64(b.N), "cgt/op")
}
