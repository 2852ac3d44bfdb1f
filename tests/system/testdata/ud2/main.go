// Command ud2 executes UD2, the instruction defined to be invalid: the
// kernel must report an invalid-opcode oops.
package main

import (
	"fmt"

	_ "gopreempt/boot"
)

// ud2 is in ud2_amd64.s.
func ud2()

func main() {
	fmt.Println("ud2 test: executing an invalid opcode")
	ud2()
	fmt.Println("ud2 test: still alive, which is wrong")
}
