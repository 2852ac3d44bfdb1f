// Command exit7 exits with status 7, which must reach the host unchanged.
package main

import (
	"fmt"
	"os"

	_ "gopreempt/boot"
)

func main() {
	fmt.Println("exit7 test: exiting with status 7")
	os.Exit(7)
}
