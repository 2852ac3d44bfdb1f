// Command breakpoint executes INT3 through arch/amd64. In goroutine code
// that is SIGTRAP, which the Go runtime reports as a fatal error (exit
// 2); with "atomic" as argument it runs inside preempt_disable(), where
// it stays an oops, since nothing in the kernel debugs the program.
package main

import (
	"fmt"
	"os"

	"gopreempt/arch/amd64"
	_ "gopreempt/boot"
	"gopreempt/kernel"
)

func main() {
	fmt.Println("breakpoint test: executing INT3")
	if len(os.Args) > 1 && os.Args[1] == "atomic" {
		kernel.PreemptDisable()
	}
	amd64.Int3()
	fmt.Println("breakpoint test: still alive, which is wrong")
}
