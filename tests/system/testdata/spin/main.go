// Command spin never finishes: main spins with interrupts on, so only the
// runner's timeout ends the machine.
package main

import (
	"fmt"

	_ "gopreempt/boot"
)

func main() {
	fmt.Println("spin test: spinning forever")
	for {
	}
}
