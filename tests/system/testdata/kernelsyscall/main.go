// Command kernelsyscall makes system calls from the contexts that may and
// may not make them (docs/syscall.md, "Who may make a system call").
//
//	raw      syscall.RawSyscall from the timer interrupt: kernel code
//	raw-idle the same, when the tick interrupted the idle task
//	syscall  syscall.Syscall from the timer interrupt: the runtime's
//	         entersyscall runs on the kernel's stand-in g first
//	legal    goroutine code, a kthread, and goroutine code with
//	         preemption and with interrupts off: all answered
//
// The first two must end in the kernel's BUG report, never in the
// runtime's "morestack on g0" or a call run on top of the stack the
// interrupt is using.
package main

import (
	"fmt"
	"os"
	"syscall"
	"time"

	_ "gopreempt/boot"
	"gopreempt/kernel"
)

func main() {
	mode := "raw"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	fmt.Println("kernelsyscall test:", mode)
	switch mode {
	case "raw":
		kernel.TickHook = func() { syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0) }
	case "raw-idle":
		// The boot CPU's idle task runs on the boot stack, the one
		// kernel stack in the lower half (in the kernel image).
		kernel.TickHook = func() {
			if kernel.Current().Pid == 0 {
				syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
			}
		}
	case "syscall":
		kernel.TickHook = func() { syscall.Syscall(syscall.SYS_GETPID, 0, 0, 0) }
	case "legal":
		legal()
		return
	}
	time.Sleep(time.Second)
	fmt.Println("kernelsyscall test: still alive, which is wrong")
}

func legal() {
	pid := func() uintptr { p, _, _ := syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0); return p }
	fmt.Println("kernelsyscall: goroutine getpid", pid())
	k := kernel.KthreadRun("sysk", func(k *kernel.Kthread) {
		fmt.Println("kernelsyscall: kthread getpid", pid())
		time.Sleep(time.Millisecond) // a blocking call: nanosleep, futex
	})
	<-k.Done()
	kernel.PreemptDisable()
	p := pid()
	kernel.PreemptEnable()
	fmt.Println("kernelsyscall: preempt-off getpid", p)
	fl := kernel.LocalIrqSave()
	p = pid()
	kernel.LocalIrqRestore(fl)
	fmt.Println("kernelsyscall: irqs-off getpid", p)
}
