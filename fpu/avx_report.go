package fpu

import (
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/arch/x86/x86asm"

	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/kernel"
	"gopreempt/mm"
)

// The report of an AVX instruction outside a bracket, finished in task
// context.
//
// Decoding with x86asm and taking a Go traceback both allocate, which
// exception context may not. So, as the oops path does for faults in
// goroutines (kernel/oops_task.go has the full argument), the hook edits
// the TrapFrame so that the exception "returns" into a call: the faulting
// RIP is pushed on the goroutine's stack as a return address and RIP is
// pointed at avxTrampoline, which calls avxInTask. To the Go unwinder the
// faulting function called the trampoline.
//
// The report is a BUG, BugAVX, whose name is the required first line:
// "BUG: AVX instruction outside kernel_fpu_begin/end", followed by the
// decoded instruction, the task, a frame-pointer backtrace and the Go
// traceback. It cannot be a BUG that lets the kernel continue: the
// instruction did not execute, and skipping it would hand its caller a
// wrong result. So the report ends the machine like an oops: with status
// Bug (113) under panic=exit, halted under panic=halt, and with status
// Oops (112) otherwise. kernel.ReportBug would end the machine under
// panic=exit before the traceback is printed, so it is called with
// reports made non-fatal (kernel.ExpectBugs) and the ending is done here.

// Offsets into the Go 1.26 runtime's g and m (runtime/runtime2.go), as in
// kernel/oops_task.go: g.stack.lo, g.stack.hi, g.m; m.g0.
const (
	gStackLo = 0
	gStackHi = 8
	gM       = 48
	mG0      = 0
)

// stackRoom is the goroutine stack the injected call needs below the
// interrupted RSP before avxInTask's prologue can grow the stack.
const stackRoom = 256

// avxSaved carries the fault to the goroutine: static, no Go pointers.
var avxSaved struct {
	frame amd64.TrapFrame
	xcr0  uint64
}

var avxInjected atomic.Uint32

var avxTraceBuf [16 << 10]byte

func avxTrampoline()
func avxTrampolineAddr() uintptr

// injectAVXReport redirects the frame into avxInTask when the fault hit
// an ordinary goroutine that could have made a call there.
//
// Exception context: no allocation, no Go pointer stores.
func injectAVXReport(f *amd64.TrapFrame, xcr0 uint64) bool {
	if f.FSBase == 0 {
		return false
	}
	g, ok := peekWord(uintptr(f.FSBase) - 8)
	if !ok || g == 0 {
		return false
	}
	m, ok := peekWord(g + gM)
	if !ok || m == 0 {
		return false
	}
	if g0, ok := peekWord(m + mG0); !ok || g0 == g {
		return false // the runtime's g0, or the kernel's stand-in g
	}
	if kernel.PreemptCount() != 0 || !f.InterruptsWereEnabled() {
		return false
	}
	rsp := uintptr(f.RSP)
	if kernel.Current().OnKernelStack(rsp) {
		return false
	}
	lo, ok1 := peekWord(g + gStackLo)
	hi, ok2 := peekWord(g + gStackHi)
	if !ok1 || !ok2 || rsp > hi || rsp < lo+stackRoom {
		return false
	}
	if _, ok := mm.Translate(rsp - 8); !ok {
		return false
	}
	if !avxInjected.CompareAndSwap(0, 1) {
		return false
	}
	avxSaved.frame = *f
	avxSaved.xcr0 = xcr0
	*(*uint64)(addr.Ptr(rsp - 8)) = f.RIP
	f.RSP -= 8
	f.RIP = uint64(avxTrampolineAddr())
	return true
}

// avxInTask is the report, on the faulting goroutine. It does not return.
func avxInTask() {
	n := runtime.Stack(avxTraceBuf[:], false) // first, while the stack is as the fault left it
	f := &avxSaved.frame
	code := decodeAt(uintptr(f.RIP))
	kernel.ExpectBugs(kernel.BugAVX, func() {
		kernel.ReportBug(kernel.BugAVX, code)
	})
	kernel.Pr(kernel.KERN_ERR).S("  RIP ").X16(f.RIP).S(", XCR0 ").X(avxSaved.xcr0).
		S(" (no YMM): VEX-encoded instructions raise #UD outside kernel_fpu_begin/end").Emit()
	kernel.Pr(kernel.KERN_ERR).S("Go traceback:").Emit()
	emitLines(string(avxTraceBuf[:n]))
	endAVXReport()
}

// decodeAt returns the instruction at pc in Go syntax and Intel syntax.
func decodeAt(pc uintptr) string {
	var code [15]byte // the longest x86 instruction (SDM Vol. 2A, 2.3.11)
	n := 0
	for n < len(code) {
		b, ok := peekByte(pc + uintptr(n))
		if !ok {
			break
		}
		code[n] = b
		n++
	}
	inst, err := x86asm.Decode(code[:n], 64)
	if err != nil {
		return "cannot decode the instruction at 0x" + strconv.FormatUint(uint64(pc), 16) + ": " + err.Error()
	}
	return x86asm.GoSyntax(inst, uint64(pc), symbolAt) + " (Intel: " + x86asm.IntelSyntax(inst, uint64(pc), symbolAt) + ")"
}

func symbolAt(a uint64) (string, uint64) {
	fn := runtime.FuncForPC(uintptr(a))
	if fn == nil {
		return "", 0
	}
	return fn.Name(), uint64(fn.Entry())
}

// emitLines prints text a line at a time, splitting lines longer than a
// printk message holds.
func emitLines(text string) {
	const max = 190
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		for len(line) > max {
			kernel.Pr(kernel.KERN_ERR).S(line[:max]).Emit()
			line = "    " + line[max:]
		}
		kernel.Pr(kernel.KERN_ERR).S(line).Emit()
	}
}

// endAVXReport ends the machine: the faulting instruction cannot be
// resumed.
func endAVXReport() {
	switch kernel.Panic {
	case kernel.PanicExit:
		kernel.Pr(kernel.KERN_EMERG).S("---[ end trace: AVX outside kernel_fpu_begin/end, panic=exit ]---").Emit()
		kernel.PowerOff(kernel.StatusBug)
	case kernel.PanicHalt:
		kernel.Pr(kernel.KERN_EMERG).S("System halted (panic=halt).").Emit()
		amd64.HaltForever()
	}
	kernel.Pr(kernel.KERN_EMERG).S("---[ end Kernel oops: AVX outside kernel_fpu_begin/end cannot be resumed ]---").Emit()
	kernel.PowerOff(kernel.StatusOops)
}
