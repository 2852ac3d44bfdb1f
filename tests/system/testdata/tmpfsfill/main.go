// Command tmpfsfill fills /tmp until the file system refuses, and reports
// how much it took and how it was refused: the tmpfs.size= option on the
// kernel command line sets where that is.
package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	_ "gopreempt/boot"
)

func main() {
	f, err := os.Create("/tmp/fill")
	if err != nil {
		fmt.Println("tmpfsfill: create:", err)
		os.Exit(1)
	}
	chunk := make([]byte, 64<<10)
	total := 0
	for total < 64<<20 {
		n, err := f.Write(chunk)
		total += n
		if err != nil {
			fmt.Printf("tmpfsfill: wrote %d KiB, then: %v (ENOSPC %v)\n", total>>10, err, errors.Is(err, syscall.ENOSPC))
			os.Exit(0)
		}
	}
	fmt.Printf("tmpfsfill: wrote %d KiB without an error\n", total>>10)
}
