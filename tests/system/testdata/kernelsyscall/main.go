// Command kernelsyscall makes a system call from the timer interrupt, that
// is from kernel context: the kernel must report it as an oops instead of
// running the call on top of the stack the interrupt is using.
package main

import (
	"fmt"
	"syscall"
	"time"

	_ "gopreempt/boot"
	"gopreempt/kernel"
)

func main() {
	fmt.Println("kernelsyscall test: a system call from the timer interrupt")
	kernel.TickHook = func() { syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0) }
	time.Sleep(time.Second)
	fmt.Println("kernelsyscall test: still alive, which is wrong")
}
