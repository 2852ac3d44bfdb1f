package kernel

import (
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/arch/x86/x86asm"

	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/mm"
)

// Finishing a fatal report in task context.
//
// A report made in exception context may not allocate, so it cannot
// decode the faulting instruction with x86asm nor ask the Go runtime for
// a traceback. When the exception hit ordinary goroutine code, the rest
// of the report can run on that goroutine instead, the way the Go runtime
// turns a SIGSEGV into a panic: its signal handler rewrites the signal
// context so that the thread "returns" into runtime.sigpanic, as if the
// faulting instruction had called it. Here the exception handler edits
// the TrapFrame the same way: FinishInTask pushes the faulting RIP below
// the interrupted RSP as a return address and points RIP at
// taskReportTrampoline (task_report_amd64.s), which calls taskReport.
// IRETQ then lands in a goroutine with a real g, a P and a growable
// stack, where the whole runtime is available. To the runtime's unwinder
// the faulting function simply called the trampoline.
//
// One difference from sigpanic remains. The runtime knows that a frame
// below sigpanic stopped at a fault, not at a call, and ignores its stack
// map there; below the trampoline it takes the faulting PC for a return
// address and uses the map of the nearest call before it. That only
// matters if the stack is copied or scanned while the report runs, which
// is why taskReport takes the traceback first, and the report then ends
// the machine: the goroutine never runs its own code again.
//
// The oops path (oops_task.go), a fatal signal's report (signal_fatal.go)
// and the AVX check (package fpu) use it. A report that holds the report
// lock (oops_lock.go) hands it to the goroutine with the frame.

// taskReportRoom is how much goroutine stack the injected call needs
// below the interrupted RSP before taskReport's own prologue can grow the
// stack: the fake return address, the trampoline's frame and the ABI
// wrapper's.
const taskReportRoom = 256

// A TaskReport finishes a report on the faulting goroutine, given the
// saved frame and the goroutine's traceback. It must end the machine.
type TaskReport func(f *amd64.TrapFrame, traceback []byte)

var taskReports struct {
	fns [4]TaskReport
	n   int
}

// RegisterTaskReport makes fn available to FinishInTask and returns its
// id. Task context, at initialization (the table is read, never written,
// in exception context).
func RegisterTaskReport(fn TaskReport) int {
	taskReports.fns[taskReports.n] = fn
	taskReports.n++
	return taskReports.n - 1
}

// taskSaved carries the report from exception context to the goroutine.
// It is static and holds no Go pointers, so filling it in exception
// context neither allocates nor needs a write barrier.
var taskSaved struct {
	frame amd64.TrapFrame
	id    int
}

// taskInjected makes the injection happen once: a fault inside a report,
// or a second CPU's, gets the raw report only.
var taskInjected atomic.Uint32

// taskTraceBuf receives the Go traceback, so taking it allocates nothing.
var taskTraceBuf [16 << 10]byte

//lint:ignore U1000 FinishInTask points the frame's RIP at it (taskReportTrampolineAddr)
func taskReportTrampoline()
func taskReportTrampolineAddr() uintptr

// FinishInTask redirects the frame into report id on the faulting
// goroutine, if the exception hit ordinary goroutine code that could have
// made a call there, and reports whether it did.
//
// Exception context: no allocation, no Go pointer stores; every word it
// reads outside the frame is checked to be mapped first, since a second
// fault here would bury the first.
func FinishInTask(f *amd64.TrapFrame, id int) bool {
	// The runtime's TLS holds g at -8(FS); kernel context has FS base
	// pointing into a KernelContext whose stand-in g is its own m's g0,
	// and the runtime's scheduler runs on the real g0: neither is a
	// goroutine that can take a call.
	if f.FSBase == 0 {
		return false
	}
	g, ok := PeekWord(uintptr(f.FSBase) - 8)
	if !ok || g == 0 {
		return false
	}
	m, ok := PeekWord(g + amd64.GM)
	if !ok || m == 0 {
		return false
	}
	if g0, ok := PeekWord(m + amd64.MG0); !ok || g0 == g {
		return false
	}
	// The goroutine must have been preemptible: a call into the runtime
	// from a spot with preemption or interrupts off could sleep or
	// deadlock on what the interrupted code holds.
	if PreemptCount() != 0 || !f.InterruptsWereEnabled() {
		return false
	}
	rsp := uintptr(f.RSP)
	if Current().OnKernelStack(rsp) {
		return false
	}
	// The fake return address goes on the goroutine's own stack, inside
	// its bounds, with room for the frames below it.
	lo, ok1 := PeekWord(g + amd64.GStackLo)
	hi, ok2 := PeekWord(g + amd64.GStackHi)
	if !ok1 || !ok2 || rsp > hi || rsp < lo+taskReportRoom {
		return false
	}
	if _, ok := mm.Translate(rsp - 8); !ok {
		return false
	}
	if !taskInjected.CompareAndSwap(0, 1) {
		return false
	}
	taskSaved.frame = *f
	taskSaved.id = id
	oopsHandToTask(g) // the report lock goes with the report (oops_lock.go)

	// As if the faulting instruction had called the trampoline.
	*(*uint64)(addr.Ptr(rsp - 8)) = f.RIP
	f.RSP -= 8
	f.RIP = uint64(taskReportTrampolineAddr())
	return true
}

// taskReport runs on the faulting goroutine. It takes the traceback
// first, while the stack is exactly as the fault left it plus the
// trampoline, then hands over to the registered report.
//
//lint:ignore U1000 called from task_report_amd64.s (taskReportTrampoline)
func taskReport() {
	n := runtime.Stack(taskTraceBuf[:], false)
	taskReports.fns[taskSaved.id](&taskSaved.frame, taskTraceBuf[:n])
}

// PeekByte reads the byte at a, if a is mapped. Any context.
func PeekByte(a uintptr) (byte, bool) {
	if _, ok := mm.Translate(a); !ok {
		return 0, false
	}
	return *(*byte)(addr.Ptr(a)), true
}

// PeekWord reads the word at a, if a is mapped (and 8-aligned, so the
// word does not straddle a page). Any context.
func PeekWord(a uintptr) (uintptr, bool) {
	if a&7 != 0 {
		return 0, false
	}
	if _, ok := mm.Translate(a); !ok {
		return 0, false
	}
	return *(*uintptr)(addr.Ptr(a)), true
}

// DecodeInstruction returns the instruction at pc in Go and Intel
// syntax. Task context: x86asm allocates.
func DecodeInstruction(pc uint64) string {
	var code [15]byte // the longest x86 instruction (SDM Vol. 2A, 2.3.11)
	n := 0
	for n < len(code) {
		b, ok := PeekByte(uintptr(pc) + uintptr(n))
		if !ok {
			break
		}
		code[n] = b
		n++
	}
	inst, err := x86asm.Decode(code[:n], 64)
	if err != nil {
		return "cannot decode the instruction at 0x" + strconv.FormatUint(pc, 16) + ": " + err.Error()
	}
	return x86asm.GoSyntax(inst, pc, symbolAt) + "   (Intel: " + x86asm.IntelSyntax(inst, pc, symbolAt) + ")"
}

// symbolAt names a code address for the disassembler, from the runtime's
// own function table.
func symbolAt(a uint64) (string, uint64) {
	fn := runtime.FuncForPC(uintptr(a))
	if fn == nil {
		return "", 0
	}
	return fn.Name(), uint64(fn.Entry())
}

// EmitLines prints text line by line at a level, splitting lines too
// long for one printk message rather than losing their ends.
func EmitLines(level int, text string) {
	const max = 190 // a Msg holds 200 bytes with the newline
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		for len(line) > max {
			Pr(level).S(line[:max]).Emit()
			line = "    " + line[max:]
		}
		Pr(level).S(line).Emit()
	}
}
