// Command memprotect makes, in a goroutine, one access that the kernel's
// page protection (mm/protect.go) forbids, named by its argument:
//
//	nilread      read a field of a nil *node (address 8)
//	nilwrite     write a field of a nil *node (address 8)
//	lowaddr      read at 0x8000, the AP trampoline's page, below 64 KiB
//	textwrite    write into the code of a function
//	rodatawrite  write into the bytes of a string constant
//	heapexec     call into a heap buffer that holds a RET instruction
//
// Each must fault. In goroutine code the fault is SIGSEGV, which the Go
// runtime reports (exit 2); with "atomic" as a second word the access is
// made inside preempt_disable(), kernel-critical code, where the kernel
// reports an oops and ends the run with status 112 (docs/signals.md). If
// the access goes through, the program says so and exits 0, which the
// test rejects.
package main

import (
	"fmt"
	"os"
	"reflect"
	"unsafe"

	_ "gopreempt/boot"
	"gopreempt/kernel"
)

type node struct {
	next *node
	val  uint64
}

// none returns a nil *node the compiler cannot see through.
//
//go:noinline
func none() *node { return nil }

// at makes a pointer from an address without a uintptr-to-pointer
// conversion in one expression, which vet rightly flags in ordinary code.
func at[T any](a uintptr) *T { return *(**T)(unsafe.Pointer(&a)) }

//go:noinline
func victim() int { return 42 }

const greeting = "hello from read-only data"

var sink uint64

func access(mode string) {
	switch mode {
	case "nilread":
		sink = none().val
	case "nilwrite":
		none().val = 0xdeadbeef
	case "lowaddr":
		sink = *at[uint64](0x8000)
	case "textwrite":
		*at[byte](reflect.ValueOf(victim).Pointer()) = 0xcc // INT3
	case "rodatawrite":
		s := greeting
		*unsafe.StringData(s) = 'j'
	case "heapexec":
		code := make([]byte, 64)
		code[0] = 0xc3 // RET
		// A func value points at a word that holds the code's address.
		entry := uintptr(unsafe.Pointer(&code[0]))
		fv := &entry
		fn := *(*func())(unsafe.Pointer(&fv))
		fn()
	default:
		fmt.Println("memprotect: unknown mode", mode)
		os.Exit(3)
	}
}

func main() {
	if len(os.Args) != 2 && (len(os.Args) != 3 || os.Args[2] != "atomic") {
		fmt.Println("usage: memprotect nilread|nilwrite|lowaddr|textwrite|rodatawrite|heapexec [atomic]")
		os.Exit(2)
	}
	mode := os.Args[1]
	atomic := len(os.Args) == 3
	fmt.Println("memprotect:", mode)
	done := make(chan bool)
	go func() {
		if atomic {
			// Kernel-critical code: the fault is an oops, not a signal.
			kernel.PreemptDisable()
		}
		access(mode)
		done <- true
	}()
	<-done
	fmt.Println("memprotect: the access went through, which is wrong; victim() =", victim(), "greeting =", greeting)
}
