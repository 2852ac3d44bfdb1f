// Command hello prints one line and exits 0: the smallest program worth
// booting, for command-line and SMP tests.
package main

import (
	"fmt"
	"runtime"

	_ "gopreempt/boot"
)

func main() {
	fmt.Printf("hello from gopreempt, %d CPUs\n", runtime.NumCPU())
}
