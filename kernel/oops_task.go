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

// Finishing an oops in task context.
//
// The raw report (oops.go) is all that exception context allows: it may
// not allocate, so it cannot decode the faulting instruction with x86asm
// nor ask the Go runtime for a traceback. When the fault hit ordinary
// goroutine code, the rest of the report can run on that goroutine
// instead, the way the Go runtime turns a SIGSEGV into a panic: its signal
// handler rewrites the signal context so that the thread "returns" into
// runtime.sigpanic, as if the faulting instruction had called it. Here the
// exception handler edits the TrapFrame the same way: it pushes the
// faulting RIP below the interrupted RSP as a return address and points
// RIP at oopsTrampoline (oops_amd64.s), which calls oopsInTask. IRETQ then
// lands in a goroutine with a real g, a P and a growable stack, where the
// whole runtime is available. To the runtime's unwinder the faulting
// function simply called the trampoline, so the Go traceback starts there.
//
// One difference from sigpanic remains. The runtime knows that a frame
// below sigpanic stopped at a fault, not at a call, and ignores its stack
// map there; below the trampoline it takes the faulting PC for a return
// address and uses the map of the nearest call before it. That only
// matters if the stack is copied or scanned while the report runs, which
// is why oopsInTask takes the traceback first and does little else on
// this goroutine, which never runs its own code again.
//
// This is only sound when the interrupted code was an ordinary goroutine
// that could have made a call at that point: see oopsInTaskHook for the
// checks. Anything else (a fault in a handler, on the runtime's g0 stack,
// with preemption or interrupts off) keeps the raw report alone.

// Offsets into the Go 1.26 runtime's g and m (runtime/runtime2.go), as in
// arch/amd64/kernel_g.go: g.stack.lo, g.stack.hi, g.m; m.g0.
const (
	gStackLo = 0
	gStackHi = 8
	gM       = 48
	mG0      = 0
)

// oopsStackRoom is how much goroutine stack the injected call needs below
// the interrupted RSP before oopsInTask's own prologue can grow the stack:
// the fake return address, the trampoline's frame and the ABI wrapper's.
const oopsStackRoom = 256

// oopsSaved carries the report from exception context to the goroutine.
// It is static and holds no Go pointers, so filling it in exception
// context neither allocates nor needs a write barrier; why is copied in
// for the same reason.
var oopsSaved struct {
	frame  amd64.TrapFrame
	why    [64]byte
	whyLen int
}

// oopsInjected makes the injection happen once: an oops inside oopsInTask
// itself, or a second CPU oopsing meanwhile, gets the raw report only.
var oopsInjected atomic.Uint32

// oopsTraceBuf receives the Go traceback, so taking it allocates nothing.
var oopsTraceBuf [16 << 10]byte

// oopsTrampoline is never called directly: the exception return enters
// it (oops_amd64.s). oopsTrampolineAddr returns its address.
func oopsTrampoline()
func oopsTrampolineAddr() uintptr

func init() { OopsInTaskHook = oopsInTaskHook }

// oopsInTaskHook decides whether the report can be finished in the
// faulting goroutine and, if so, redirects the frame there.
//
// Exception context: no allocation, no Go pointer stores; every word it
// reads outside the frame is checked to be mapped first, since a second
// fault here would bury the first.
func oopsInTaskHook(f *amd64.TrapFrame, why string) bool {
	// The runtime's TLS holds g at -8(FS); kernel context has FS base
	// pointing into a KernelContext whose stand-in g is its own m's g0,
	// and the runtime's scheduler runs on the real g0: neither is a
	// goroutine that can take a call.
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
	g0, ok := peekWord(m + mG0)
	if !ok || g0 == g {
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
	lo, ok1 := peekWord(g + gStackLo)
	hi, ok2 := peekWord(g + gStackHi)
	if !ok1 || !ok2 || rsp > hi || rsp < lo+oopsStackRoom {
		return false
	}
	if _, ok := mm.Translate(rsp - 8); !ok {
		return false
	}
	if !oopsInjected.CompareAndSwap(0, 1) {
		return false
	}

	oopsSaved.frame = *f
	oopsSaved.whyLen = copy(oopsSaved.why[:], why)

	// As if the faulting instruction had called the trampoline.
	*(*uint64)(addr.Ptr(rsp - 8)) = f.RIP
	f.RSP -= 8
	f.RIP = uint64(oopsTrampolineAddr())
	return true
}

// peekWord reads the word at a, if a is mapped (and 8-aligned, so the word
// does not straddle a page).
func peekWord(a uintptr) (uintptr, bool) {
	if a&7 != 0 {
		return 0, false
	}
	if _, ok := mm.Translate(a); !ok {
		return 0, false
	}
	return *(*uintptr)(addr.Ptr(a)), true
}

// oopsInTask is the second half of the report, running on the faulting
// goroutine: the instruction decoded, the Go traceback, the end line.
// It does not return.
func oopsInTask() {
	// First the traceback, while the stack is exactly as the fault left
	// it plus the trampoline: nothing below has run yet.
	n := runtime.Stack(oopsTraceBuf[:], false)

	f := &oopsSaved.frame
	m := Pr(KERN_EMERG).S("Oops, continued in task context: ").S(amd64.VectorName(f.Vector))
	if oopsSaved.whyLen > 0 {
		m = m.S(" (").B(oopsSaved.why[:oopsSaved.whyLen]).S(")")
	}
	m.Emit()
	emitLines(decodeAt(f))
	Pr(KERN_EMERG).S("Go traceback:").Emit()
	emitLines(string(oopsTraceBuf[:n]))
	endOops()
}

// decodeAt returns the faulting instruction in Go and Intel syntax.
func decodeAt(f *amd64.TrapFrame) string {
	pc := faultPC(f)
	var code [15]byte // the longest x86 instruction (SDM Vol. 2A, 2.3.11)
	n := 0
	for n < len(code) {
		b, ok := peekByte(uintptr(pc) + uintptr(n))
		if !ok {
			break
		}
		code[n] = b
		n++
	}
	inst, err := x86asm.Decode(code[:n], 64)
	if err != nil {
		return "Code: cannot decode the instruction at 0x" + strconv.FormatUint(pc, 16) + ": " + err.Error()
	}
	return "Code: " + x86asm.GoSyntax(inst, pc, symbolAt) +
		"   (Intel: " + x86asm.IntelSyntax(inst, pc, symbolAt) + ")"
}

// faultPC is the address of the instruction that raised the exception.
// Faults leave RIP at it, but a breakpoint is a trap: RIP is already past
// the instruction, which is INT3 (CC) or, as the Go assembler writes
// INT $3, the two-byte INT 3 (CD 03), SDM Vol. 2A, INT n.
func faultPC(f *amd64.TrapFrame) uint64 {
	pc := f.RIP
	if f.Vector != amd64.VecBreakpoint {
		return pc
	}
	if b, ok := peekByte(uintptr(pc - 1)); ok && b == 0xcc {
		return pc - 1
	}
	b1, ok1 := peekByte(uintptr(pc - 2))
	b2, ok2 := peekByte(uintptr(pc - 1))
	if ok1 && ok2 && b1 == 0xcd && b2 == 0x03 {
		return pc - 2
	}
	return pc - 1
}

func peekByte(a uintptr) (byte, bool) {
	if _, ok := mm.Translate(a); !ok {
		return 0, false
	}
	return *(*byte)(addr.Ptr(a)), true
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

// emitLines prints text line by line at KERN_EMERG, splitting lines too
// long for one printk message rather than losing their ends.
func emitLines(text string) {
	const max = 190 // a Msg holds 200 bytes with the newline
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		for len(line) > max {
			Pr(KERN_EMERG).S(line[:max]).Emit()
			line = "    " + line[max:]
		}
		Pr(KERN_EMERG).S(line).Emit()
	}
}
