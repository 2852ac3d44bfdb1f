// Command stall stalls the kernel on purpose, in the way its argument
// names, and waits for the stall detector to report it:
//
//	preemptoff  a goroutine spins with preemption off (soft lockup)
//	irqoff      a goroutine spins with interrupts off on its CPU, which
//	            then answers the report only through an NMI (hard lockup)
//	starve      under preempt=none, a kthread bound to CPU 1 spins in a
//	            loop that neither the kernel nor the Go runtime preempts,
//	            and a kthread bound to the same CPU is woken every 10 ms
//	            and never runs (a starved task)
//	idle        nothing stalls: a goroutine reads the console, which
//	            nobody types on, and main sleeps; after 8 s (four times
//	            the limit) without a report the program exits 0
//
// The spinners are pinned to their thread (preempt_disable and
// local_irq_save pin; the starving one calls procPin itself), so the Go
// runtime's own preemption cannot end the stall either. The main
// goroutine sleeps meanwhile: nothing in the program is deadlocked. If
// no report has ended the run after a minute, the program says so and
// exits 1; a bad argument exits 3.
package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"
	"unsafe" // and for go:linkname

	_ "gopreempt/boot"
	"gopreempt/kernel"
)

var sink uint64

//go:linkname procPin runtime.procPin
func procPin() int

func main() {
	modes := map[string]func(){"preemptoff": preemptOff, "irqoff": irqOff, "starve": starve, "idle": idle}
	if len(os.Args) != 2 || modes[os.Args[1]] == nil {
		fmt.Println("stall test: usage: stall preemptoff|irqoff|starve|idle")
		os.Exit(3)
	}
	kernel.StallLimit = 2e9
	fmt.Println("stall test: stalling the kernel:", os.Args[1])
	modes[os.Args[1]]()
	time.Sleep(time.Minute)
	fmt.Println("stall test: no stall report after a minute, which is wrong")
	os.Exit(1)
}

func preemptOff() {
	go func() {
		kernel.PreemptDisable()
		spinPreemptOff()
	}()
}

//go:noinline
func spinPreemptOff() {
	for {
		sink++
	}
}

func irqOff() {
	go func() {
		runtime.LockOSThread()
		kernel.LocalIrqSave()
		spinIRQOff()
	}()
}

//go:noinline
func spinIRQOff() {
	for {
		sink++
	}
}

func starve() {
	if kernel.OnlineCPUs() < 2 {
		fmt.Println("stall test: starve needs two CPUs")
		os.Exit(3)
	}
	kernel.KthreadRun("sleeper", func(k *kernel.Kthread) {
		k.Bind(1)
		for {
			kernel.Msleep(10)
		}
	})
	kernel.KthreadRun("hog", func(k *kernel.Kthread) {
		k.Bind(1)
		procPin()
		// The runtime's SIGURG would not move the pinned goroutine,
		// but its handler returns through rt_sigreturn, a system call,
		// and the return from a system call reschedules on every
		// model: blocked, it stays pending.
		urg := uint64(1) << (syscall.SIGURG - 1)
		syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0 /* SIG_BLOCK */, uintptr(unsafe.Pointer(&urg)), 0, 8, 0, 0)
		spinStarving()
	})
}

//go:noinline
func spinStarving() {
	for {
		sink++
	}
}

func idle() {
	go func() {
		var b [1]byte
		os.Stdin.Read(b[:])
		fmt.Println("stall test: the console read returned, which is wrong")
		os.Exit(1)
	}()
	time.Sleep(4 * time.Duration(kernel.StallLimit))
	fmt.Println("stall test: idle for 8 s with no stall report")
	os.Exit(0)
}
