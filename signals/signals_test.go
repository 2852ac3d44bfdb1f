package signals_test

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"gopreempt/kernel"
	"gopreempt/signals"
)

// wild is an address nothing maps: above the identity map, far below the
// runtime's arenas.
const wild = 0xdead0000 << 12

func wildPtr() *int {
	a := uintptr(wild)
	return *(**int)(unsafe.Pointer(&a))
}

//go:noinline
func store(p *int, v int) { *p = v }

//go:noinline
func load(p *int) int { return *p }

// A page fault in goroutine code reaches the runtime as SIGSEGV with
// si_addr = CR2, and under SetPanicOnFault the runtime turns it into a
// panic that recover() catches, with the faulting address. (Without it,
// the same fault is fatal: tests/system TestSignals.)
func TestRecoverFault(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"write", func() { store(wildPtr(), 1) }},
		{"read", func() { load(wildPtr()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The setting is the goroutine's own: each subtest has one.
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			var got any
			func() {
				defer func() { got = recover() }()
				tc.fn()
			}()
			e, ok := got.(interface{ Addr() uintptr })
			if !ok || e.Addr() != wild {
				t.Fatalf("recovered %v, want a fault at %#x", got, uintptr(wild))
			}
		})
	}
}

type node struct {
	pad  [40]uint64
	next *node
}

type shower interface{ show() int }

// A nil dereference, a nil func call, a nil interface call and a walk off
// the end of a list each fault in the unmapped low 64 KiB, at an address
// below 4 KiB (nil plus a field's offset), which the runtime's sigpanic
// turns into its nil-pointer panic; recover() catches it.
func TestRecoverNil(t *testing.T) {
	var nilInt *int
	var nilFunc func() int
	var nilShower shower
	list := &node{}
	for _, tc := range []struct {
		name string
		fn   func() int
	}{
		{"deref", func() int { return load(nilInt) }},
		{"func", func() int { return nilFunc() }},
		{"interface", func() int { return nilShower.show() }},
		{"list", func() int { return int(list.next.next.pad[0]) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got any
			func() {
				defer func() { got = recover() }()
				tc.fn()
			}()
			e, ok := got.(runtime.Error)
			if !ok || e.Error() != "runtime error: invalid memory address or nil pointer dereference" {
				t.Fatalf("recovered %v, want the runtime's nil pointer dereference", got)
			}
		})
	}
}

// A PROT_NONE reservation faults with SEGV_ACCERR, the runtime's panic
// carries its address.
func TestRecoverProtNone(t *testing.T) {
	b, err := syscall.Mmap(-1, 0, 8192, syscall.PROT_NONE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(b)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	p := (*int)(unsafe.Pointer(&b[4096]))
	var got any
	func() {
		defer func() { got = recover() }()
		load(p)
	}()
	e, ok := got.(interface{ Addr() uintptr })
	if !ok || e.Addr() != uintptr(unsafe.Pointer(p)) {
		t.Fatalf("recovered %v, want a fault at %p", got, p)
	}
}

// IDIV by zero in assembly is #DE: SIGFPE with FPE_INTDIV, which the
// runtime turns into its "integer divide by zero" panic.
func TestDivideByZero(t *testing.T) {
	var got any
	func() {
		defer func() { got = recover() }()
		signals.IdivZero(7)
	}()
	e, ok := got.(runtime.Error)
	if !ok || e.Error() != "runtime error: integer divide by zero" {
		t.Fatalf("recovered %v, want the runtime's integer divide by zero", got)
	}
}

// self returns the calling thread's tid; the caller has locked it.
func self() uintptr { return uintptr(syscall.Gettid()) }

// pattern returns an FXSAVE image of a recognisable x87/SSE state.
func pattern() *signals.FXArea {
	st := new(signals.FXArea)
	signals.FXSave(&st.Bytes()[0])
	signals.Pattern(st.Bytes())
	return st
}

// diff describes where out differs from want in the compared state.
func diff(want, out *[512]byte) string {
	for i := 0; i < signals.Compared; i++ {
		if want[i] != out[i] {
			return fmt.Sprintf("byte %d of the FXSAVE image is %#x, want %#x", i, out[i], want[i])
		}
	}
	return ""
}

// Every signal frame must bring back the whole x87/SSE state: XMM0-15,
// MXCSR, the x87 registers and control word. 100 000 times a thread
// sends itself SIGURG (the runtime's preemption signal, whose handler
// runs and returns) from assembly that holds a pattern in every register,
// and checks what it has after each delivery; the kernel's count of the
// frames it built for the thread shows that each call was a delivery.
func TestFPStateSurvivesSignals(t *testing.T) {
	n := 100000
	if testing.Short() {
		n = 2000
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	st := pattern()
	var out, saved signals.FXArea
	pid, tid := uintptr(syscall.Getpid()), self()
	task := kernel.Current()
	before := task.Signal.Delivered
	for i := 0; i < n; i++ {
		r := signals.FPSyscall(&st.Bytes()[0], &out.Bytes()[0], &saved.Bytes()[0],
			syscall.SYS_TGKILL, pid, tid, uintptr(syscall.SIGURG))
		if r != 0 {
			t.Fatalf("tgkill returned %#x", r)
		}
		if d := diff(st.Bytes(), out.Bytes()); d != "" {
			t.Fatalf("after delivery %d: %s", i, d)
		}
	}
	if got := task.Signal.Delivered - before; got < uint64(n) {
		t.Fatalf("the kernel built %d signal frames for %d tgkill(SIGURG), want one each", got, n)
	}
}

// The same state must survive signals that arrive asynchronously, from
// another thread, at whatever instruction the timer or a reschedule IPI
// interrupted: a call-free loop holds the pattern while a second thread
// keeps sending it SIGURG, until the kernel has made enough deliveries
// to the looping thread: 2000 with several CPUs, where the sender runs
// beside it and each send is an IPI (about 250 a second under TCG on a
// busy host); 200 on one CPU, where deliveries happen only when the
// sender has had the CPU in between. TestFPStateSurvivesSignals makes
// the 100 000.
func TestFPStateSurvivesAsyncSignals(t *testing.T) {
	want, pause := uint64(2000), time.Duration(0)
	if kernel.OnlineCPUs() == 1 || testing.Short() {
		want, pause = 200, 100*time.Microsecond
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	st := pattern()
	var out, saved signals.FXArea
	pid, tid := uintptr(syscall.Getpid()), self()
	task := kernel.Current()
	kernel.SetNice(task, 19) // short slices: more chances on one CPU
	defer kernel.SetNice(task, 0)
	var stop atomic.Bool
	go func() {
		for !stop.Load() {
			syscall.RawSyscall(syscall.SYS_TGKILL, pid, tid, uintptr(syscall.SIGURG))
			if pause > 0 {
				time.Sleep(pause)
			}
		}
	}()
	defer stop.Store(true)
	before := task.Signal.Delivered
	deadline := time.Now().Add(3 * time.Minute)
	for task.Signal.Delivered-before < want {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d asynchronous deliveries in 3 minutes", task.Signal.Delivered-before, want)
		}
		signals.FPSpin(&st.Bytes()[0], &out.Bytes()[0], &saved.Bytes()[0], 1<<20)
		if d := diff(st.Bytes(), out.Bytes()); d != "" {
			t.Fatalf("after %d deliveries: %s", task.Signal.Delivered-before, d)
		}
	}
}

// The kernel's rules come first: a goroutine inside preempt_disable() is
// pinned to its task, and no signal frame is built for it, so the
// runtime's asynchronous preemption cannot move it. A signal sent to
// itself there stays pending (the kernel counts the deferral) and is
// delivered at the first return to task context after preempt_enable().
func TestNoSignalFrameInPreemptDisable(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pid, tid := uintptr(syscall.Getpid()), self()
	kernel.PreemptDisable()
	task := kernel.Current()
	delivered, deferred := task.Signal.Delivered, task.Signal.Deferred
	syscall.RawSyscall(syscall.SYS_TGKILL, pid, tid, uintptr(syscall.SIGURG))
	gotDelivered, gotDeferred := task.Signal.Delivered-delivered, task.Signal.Deferred-deferred
	same := kernel.Current() == task
	kernel.PreemptEnable()
	if !same {
		t.Errorf("the goroutine left its task inside preempt_disable()")
	}
	if gotDelivered != 0 || gotDeferred == 0 {
		t.Fatalf("inside preempt_disable(): %d frames built, %d deferrals; want none built, at least one deferred",
			gotDelivered, gotDeferred)
	}
	syscall.Getpid() // a return to task context with the count at zero
	if task.Signal.Delivered == delivered {
		t.Fatalf("the deferred SIGURG was not delivered after preempt_enable()")
	}
}

// rt_sigprocmask is real and per thread: a blocked signal stays pending
// (rt_sigpending shows it) and is delivered when unblocked.
func TestBlockedSignalStaysPending(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pid, tid := uintptr(syscall.Getpid()), self()
	task := kernel.Current()
	urg := uint64(1) << (syscall.SIGURG - 1)
	var old uint64
	set := urg
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0 /* SIG_BLOCK */, uintptr(unsafe.Pointer(&set)),
		uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 {
		t.Fatal("rt_sigprocmask:", e)
	}
	delivered := task.Signal.Delivered
	syscall.RawSyscall(syscall.SYS_TGKILL, pid, tid, uintptr(syscall.SIGURG))
	var pending uint64
	syscall.RawSyscall(syscall.SYS_RT_SIGPENDING, uintptr(unsafe.Pointer(&pending)), 8, 0)
	blockedDelivered := task.Signal.Delivered - delivered
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 2 /* SIG_SETMASK */, uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
	if pending&urg == 0 {
		t.Errorf("rt_sigpending = %#x, want SIGURG (%#x) pending while blocked", pending, urg)
	}
	if blockedDelivered != 0 {
		t.Errorf("%d frames built while SIGURG was blocked", blockedDelivered)
	}
	if task.Signal.Delivered == delivered {
		t.Errorf("SIGURG not delivered once unblocked")
	}
}

// One signal delivery and its rt_sigreturn (with the runtime's SIGURG
// handler between them), against the cheapest system call.
func BenchmarkSignalDelivery(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pid, tid := uintptr(syscall.Getpid()), self()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		syscall.RawSyscall(syscall.SYS_TGKILL, pid, tid, uintptr(syscall.SIGURG))
	}
	sig := time.Since(start)
	start = time.Now()
	for i := 0; i < b.N; i++ {
		syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
	}
	raw := time.Since(start)
	b.ReportMetric(float64(sig.Nanoseconds())/float64(b.N), "ns/signal")
	b.ReportMetric(float64(raw.Nanoseconds())/float64(b.N), "ns/getpid")
	b.ReportMetric(float64(sig)/float64(raw), "signal/getpid")
}
