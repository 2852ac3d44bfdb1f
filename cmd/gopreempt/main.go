// Command gopreempt is the kernel image that `make run` boots: the kernel
// (imported through gopreempt/boot) and the demo program it runs.
package main

import (
	"fmt"
	"time"

	_ "gopreempt/boot"
)

func main() {
	fmt.Println("hello from Go on gopreempt")
	t0 := time.Now()
	time.Sleep(100 * time.Millisecond)
	fmt.Println("slept", time.Since(t0))
}
