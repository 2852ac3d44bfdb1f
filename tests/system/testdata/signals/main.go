// Command signals exercises the kernel's signal delivery from a Go
// program, one case per argument word (after "--" on the command line):
//
//	recover     a fault at an unmapped address becomes a panic that
//	            recover() catches (debug.SetPanicOnFault)
//	nil         a nil dereference, unrecovered: Go's nil-pointer panic,
//	            exit 2
//	fault       the same fault unrecovered: Go's "unexpected fault
//	            address" report, exit 2
//	readonly    a write to read-only memory: as fault
//	divide      an IDIV by zero in assembly: SIGFPE, Go's "integer divide
//	            by zero" panic, recovered
//	self        SIGCHLD and SIGUSR1 sent to itself: the first ignored,
//	            the second received through os/signal
//	gc          a call-free loop on every P; runtime.GC() still finishes
//	            (asynchronous preemption)
//	term        SIGTERM sent to itself, not handled: killed by the signal
//	dfl         SIGSEGV's action reset to SIG_DFL with a raw rt_sigaction,
//	            then the fault: the kernel kills the program itself
//
// Each case prints "signals: CASE ok" when it passes.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	_ "gopreempt/boot"
)

// wild is an address nothing maps: above the identity map, below the
// runtime's arenas.
const wild = 0xdead0000 << 12

func wildInt() *int {
	a := uintptr(wild)
	return *(**int)(unsafe.Pointer(&a))
}

//go:noinline
func scribble(p *int, v int) { *p = v }

// idivZero is in divide_amd64.s: IDIV by a zero register.
func idivZero(a int64) int64

func main() {
	if len(os.Args) < 2 {
		fmt.Println("signals: usage: signals CASE...")
		os.Exit(3)
	}
	for _, c := range os.Args[1:] {
		switch c {
		case "recover":
			caseRecover()
		case "nil":
			var p *int
			scribble(p, 1)
		case "fault":
			scribble(wildInt(), 1)
		case "readonly":
			b, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ, syscall.MAP_ANON|syscall.MAP_PRIVATE)
			if err != nil {
				fmt.Println("signals: mmap:", err)
				os.Exit(3)
			}
			b[0] = 1
		case "divide":
			caseDivide()
		case "self":
			caseSelf()
		case "gc":
			caseGC()
		case "dfl":
			var act [4]uint64 // struct sigaction: SIG_DFL, no flags
			if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGSEGV),
				uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); e != 0 {
				fmt.Println("signals: rt_sigaction:", e)
				os.Exit(3)
			}
			scribble(wildInt(), 1)
		case "term":
			syscall.Kill(syscall.Getpid(), syscall.SIGTERM)
			time.Sleep(time.Second)
			fmt.Println("signals: term survived, which is wrong")
			os.Exit(3)
		default:
			fmt.Println("signals: unknown case", c)
			os.Exit(3)
		}
		fmt.Println("signals:", c, "ok")
	}
}

func caseRecover() {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		r := recover()
		err, ok := r.(interface{ Addr() uintptr })
		if !ok || err.Addr() != wild {
			fmt.Printf("signals: recover got %v, want a fault at %#x\n", r, uintptr(wild))
			os.Exit(3)
		}
	}()
	scribble(wildInt(), 1)
	fmt.Println("signals: the write succeeded, which is wrong")
	os.Exit(3)
}

func caseDivide() {
	defer func() {
		r := recover()
		if e, ok := r.(runtime.Error); !ok || e.Error() != "runtime error: integer divide by zero" {
			fmt.Printf("signals: divide recovered %v, want integer divide by zero\n", r)
			os.Exit(3)
		}
	}()
	idivZero(7)
	fmt.Println("signals: IDIV by zero went on, which is wrong")
	os.Exit(3)
}

func caseSelf() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	syscall.Kill(syscall.Getpid(), syscall.SIGCHLD)
	syscall.Kill(syscall.Getpid(), syscall.SIGUSR1)
	select {
	case s := <-c:
		if s != syscall.SIGUSR1 {
			fmt.Println("signals: got", s, "want SIGUSR1")
			os.Exit(3)
		}
	case <-time.After(20 * time.Second):
		fmt.Println("signals: no SIGUSR1 through os/signal")
		os.Exit(3)
	}
	signal.Stop(c)
}

var sink [64]uint64

var stopFlag uint32

func caseGC() {
	for _, procs := range []int{1, 2, 4} {
		old := runtime.GOMAXPROCS(procs)
		atomic.StoreUint32(&stopFlag, 0)
		var started sync.WaitGroup
		started.Add(procs)
		for i := 0; i < procs; i++ {
			go spin(&sink[i*8], &started)
		}
		started.Wait()
		done := make(chan bool)
		go func() { runtime.GC(); done <- true }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			fmt.Println("signals: runtime.GC() blocked by a call-free loop, GOMAXPROCS", procs)
			os.Exit(3)
		}
		atomic.StoreUint32(&stopFlag, 1)
		runtime.GOMAXPROCS(old)
		fmt.Println("signals: gc finished with", procs, "call-free loops")
	}
}

// spin loops without a call (the atomic load is an instruction, not a
// call) until stopFlag is set: only an asynchronous preemption can stop
// it for the collector.
//
//go:noinline
func spin(p *uint64, started *sync.WaitGroup) {
	started.Done()
	for atomic.LoadUint32(&stopFlag) == 0 {
		*p++
	}
}
