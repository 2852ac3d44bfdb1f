// Command spinrecursion takes a spinlock it already holds: the bug that
// Linux's spinlock debugging reports as "spinlock recursion". The second
// spin_lock() would wait for itself forever.
package main

import (
	"fmt"

	_ "gopreempt/boot"
	"gopreempt/kernel"
)

func main() {
	l := kernel.NewSpinLock("twice")
	l.Lock()
	fmt.Println("spinrecursion: holding the lock, taking it again")
	l.Lock()
	fmt.Println("spinrecursion: took a held lock") // not reached
}
