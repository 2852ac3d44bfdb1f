// Command printklong prints one kernel message longer than printk's
// buffer and then a short one, to show that a long message reaches the
// console whole, in pieces that each end with a newline.
package main

import (
	"strings"

	_ "gopreempt/boot"
	"gopreempt/kernel"
)

func main() {
	long := "printklong: " + strings.Repeat("0123456789", 45) + " END"
	kernel.Pr(kernel.KERN_EMERG).S(long).Emit()
	kernel.Pr(kernel.KERN_EMERG).S("printklong: the next line").Emit()
}
