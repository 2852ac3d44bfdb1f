// Command pprof makes a runtime/pprof CPU profile of a busy goroutine in
// the kernel and prints it on the console (internal/pprofconsole), for
// the host to take out with cmd/pprofextract and open with go tool
// pprof. It stops once the kernel counted enough profiling signals taken
// (kernel.CPUTimerStatsOf), not after a wall time.
package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime/pprof"
	"sync/atomic"
	"time"

	_ "gopreempt/boot"
	"gopreempt/internal/pprofconsole"
	"gopreempt/kernel"
)

var sink atomic.Uint64

//go:noinline
func busyLoop(stop *atomic.Bool) {
	x := uint64(1)
	for !stop.Load() {
		for i := 0; i < 1000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	sink.Store(x)
}

func main() {
	var buf bytes.Buffer
	before := kernel.CPUTimerStatsOf().TimerTaken
	if err := pprof.StartCPUProfile(&buf); err != nil {
		fmt.Println("pprof:", err)
		os.Exit(1)
	}
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		busyLoop(&stop)
		close(done)
	}()
	for kernel.CPUTimerStatsOf().TimerTaken-before < 30 {
		time.Sleep(5 * time.Millisecond)
	}
	stop.Store(true)
	<-done
	pprof.StopCPUProfile()
	if err := pprofconsole.Write(os.Stdout, "cpu.pb.gz", buf.Bytes()); err != nil {
		fmt.Println("pprof:", err)
		os.Exit(1)
	}
	fmt.Printf("profile written: %d bytes, %d profiling signals taken\n", buf.Len(), kernel.CPUTimerStatsOf().TimerTaken-before)
}
