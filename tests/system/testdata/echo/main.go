// Command echo reads one line from the console (fd 0) and prints it back:
// input arrives through the UART's receive interrupt, routed by the I/O
// APIC, and the reader sleeps on a wait queue until then.
package main

import (
	"bufio"
	"fmt"
	"os"

	_ "gopreempt/boot"
)

func main() {
	fmt.Println("echo: ready")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil {
		fmt.Println("echo: read error:", err)
		os.Exit(1)
	}
	fmt.Printf("echo: got %q\n", line)
}
