// Command smpup brings a Linux guest's secondary CPUs online from user
// space and then runs a program: the Linux side of tests/linuxcmp's
// benchmarks under QEMU's -icount with more than one CPU.
//
//	smpup PROGRAM [ARGS...]
//
// Why it exists. Under -icount QEMU 7.2 runs every virtual CPU on one
// host thread, in turn, and gives the CPU whose turn it is the whole
// budget up to the next timer deadline: the next CPU runs only when the
// one before it halts, executes PAUSE, or reaches the deadline, and then
// the deadline has come and its budget is nothing. Linux 6.1's bring-up
// of a secondary CPU waits for it in native_cpu_up with a loop that
// calls only schedule() (the wait for cpu_callin_mask), no PAUSE and no
// halt; the secondary CPU, spinning in cpu_init for the boot CPU's go
// ahead (which the boot CPU has already given), never gets another
// instruction. Booted with -smp 4, the guest stops at "x86: Booting SMP
// configuration" for good (the boot CPU found in that schedule() loop,
// CPU 1 at the instruction after the PAUSE of its wait, QEMU's monitor,
// its go-ahead bit set in memory). A loop with cpu_relax() would have
// let it run.
//
// So the guest boots with maxcpus=1, and this program, its first
// process, writes 1 to /sys/devices/system/cpu/cpuN/online for each
// present CPU while a thread of its own, pinned to CPU 0 beside the
// writer, executes PAUSE every few thousand instructions. The bring-up
// loop's schedule() switches to that thread whenever it is due, and
// each PAUSE hands the rest of the turn to the CPU being brought up.
// Then it stops the thread, widens its CPU mask to every online CPU
// (the exec'd program inherits it: Go's runtime.NumCPU is the mask's
// size) and execs PROGRAM.
//
// Once every CPU is up, a guest that waits with HLT or PAUSE, as Linux's
// idle loop, spinlocks and cross-CPU calls do, runs under -icount
// without help.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

func pause()

// setAffinity sets the calling thread's CPU mask.
func setAffinity(mask uint64) error {
	if _, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, 8, uintptr(unsafe.Pointer(&mask))); e != 0 {
		return e
	}
	return nil
}

// onlinePath is CPU cpu's hotplug switch, absent for CPUs not present.
func onlinePath(cpu int) string { return fmt.Sprintf("/sys/devices/system/cpu/cpu%d/online", cpu) }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: smpup PROGRAM [ARGS...]")
		os.Exit(2)
	}
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		if err := setAffinity(1); err != nil {
			fmt.Fprintln(os.Stderr, "smpup: spinner:", err)
		}
		pauses := 0
		for !stop.Load() {
			// A few thousand instructions of CPU 0's own between
			// PAUSEs, or its progress would crawl at one instruction
			// a turn.
			for i := 0; i < 2000 && !stop.Load(); i++ {
			}
			pause()
			pauses++
		}
		fmt.Printf("smpup: the spinner on CPU 0 paused %d times\n", pauses)
		close(done)
	}()
	runtime.LockOSThread()
	if err := setAffinity(1); err != nil {
		fmt.Fprintln(os.Stderr, "smpup:", err)
	}
	online := 1
	for cpu := 1; cpu < 64; cpu++ {
		p := onlinePath(cpu)
		if _, err := os.Stat(p); err != nil {
			break
		}
		t0 := time.Now()
		if err := os.WriteFile(p, []byte("1"), 0); err != nil {
			fmt.Fprintf(os.Stderr, "smpup: CPU %d: %v\n", cpu, err)
			break
		}
		online++
		fmt.Printf("smpup: CPU %d online after %v of guest time\n", cpu, time.Since(t0).Round(time.Millisecond))
	}
	stop.Store(true)
	<-done
	if err := setAffinity(1<<online - 1); err != nil {
		fmt.Fprintln(os.Stderr, "smpup:", err)
	}
	err := syscall.Exec(os.Args[1], os.Args[1:], os.Environ())
	fmt.Fprintln(os.Stderr, "smpup: exec:", err)
	os.Exit(1)
}
