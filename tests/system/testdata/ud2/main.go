// Command ud2 executes UD2, the instruction defined to be invalid. In
// goroutine code that is SIGILL, which the Go runtime reports as a fatal
// error (exit 2); with "atomic" as argument it runs inside
// preempt_disable(), kernel-critical code, where it stays an oops.
package main

import (
	"fmt"
	"os"

	_ "gopreempt/boot"
	"gopreempt/kernel"
)

// ud2 is in ud2_amd64.s.
func ud2()

func main() {
	fmt.Println("ud2 test: executing an invalid opcode")
	if len(os.Args) > 1 && os.Args[1] == "atomic" {
		kernel.PreemptDisable()
	}
	ud2()
	fmt.Println("ud2 test: still alive, which is wrong")
}
