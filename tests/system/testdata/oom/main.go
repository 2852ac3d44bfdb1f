// Command oom keeps allocating and touching memory until the machine runs
// out of page frames.
package main

import (
	"fmt"

	_ "gopreempt/boot"
)

var keep [][]byte

func main() {
	for i := 0; ; i++ {
		b := make([]byte, 8<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		keep = append(keep, b)
		if i%8 == 0 {
			fmt.Println("oom: holding", (i+1)*8, "MiB")
		}
	}
}
