// Command preemptleak returns from main with preemption disabled: a
// preempt_disable() without its preempt_enable(), which the kernel
// reports when the program exits, as it does for a kthread.
package main

import (
	"fmt"

	_ "gopreempt/boot"
	"gopreempt/kernel"
)

func main() {
	fmt.Println("preemptleak: returning with preemption disabled")
	kernel.PreemptDisable()
}
