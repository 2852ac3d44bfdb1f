// Command breakpoint executes INT3 through arch/amd64: the kernel reports
// a breakpoint as an oops, since nothing in it debugs the program.
package main

import (
	"fmt"

	"gopreempt/arch/amd64"
	_ "gopreempt/boot"
)

func main() {
	fmt.Println("breakpoint test: executing INT3")
	amd64.Int3()
	fmt.Println("breakpoint test: still alive, which is wrong")
}
