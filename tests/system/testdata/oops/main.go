// Command oops writes through a wild pointer in a goroutine inside
// preempt_disable(): kernel-critical code, where a fault is not a signal
// for the Go runtime but an oops (kernel/signal_fault.go).
package main

import (
	"fmt"
	"unsafe"

	_ "gopreempt/boot"
	"gopreempt/kernel"
)

// wild is an address nothing maps. 0xdead0000 itself would not do: the
// kernel identity-maps the first 4 GiB, so a write there lands in the PCI
// hole and is silently dropped. Shifted up by 12 bits it is above the
// identity map, far below where the runtime puts its heap arenas
// (0xc000000000 and up, in 1 TiB steps) and outside any mmap of its.
const wild = 0xdead0000 << 12

//go:noinline
func scribble(v int) {
	*wildInt() = v
}

// wildInt makes the pointer without uintptr-to-pointer conversion in
// one expression, which vet rightly flags in ordinary code.
func wildInt() *int {
	a := uintptr(wild)
	return *(**int)(unsafe.Pointer(&a))
}

func main() {
	fmt.Println("oops test: writing through a wild pointer")
	done := make(chan bool)
	go func() {
		kernel.PreemptDisable()
		scribble(42)
		done <- true
	}()
	<-done
	fmt.Println("oops test: still alive, which is wrong")
}
