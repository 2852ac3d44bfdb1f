// Command deadlock blocks every goroutine for good, in one of the ways a
// Go program can, and leaves it to the Go runtime to notice: on Linux its
// checkdead prints "fatal error: all goroutines are asleep - deadlock!"
// and exits 2, and so it must on gopreempt, where nothing the kernel
// runs on its own may keep the runtime from seeing that no goroutine can
// go on. The argument names the deadlock:
//
//	chan       main receives from a channel nobody sends on
//	select     main blocks in an empty select
//	goexit     main calls runtime.Goexit while another goroutine waits
//	waitgroup  main waits for a WaitGroup that never reaches zero
//
// Without an argument, or with another one, it says so and exits 3.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"

	_ "gopreempt/boot"
)

var kinds = map[string]func(){
	"chan":   func() { <-make(chan int) },
	"select": func() { select {} },
	"goexit": func() {
		go func() { <-make(chan int) }()
		runtime.Goexit()
	},
	"waitgroup": func() {
		var wg sync.WaitGroup
		wg.Add(2)
		go wg.Done()
		wg.Wait()
	},
}

func main() {
	if len(os.Args) != 2 || kinds[os.Args[1]] == nil {
		fmt.Println("deadlock test: usage: deadlock chan|select|goexit|waitgroup")
		os.Exit(3)
	}
	fmt.Println("deadlock test: blocking every goroutine:", os.Args[1])
	kinds[os.Args[1]]()
	fmt.Println("deadlock test: the deadlock ended, which is wrong")
}
