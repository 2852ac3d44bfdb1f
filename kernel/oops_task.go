package kernel

import "gopreempt/arch/amd64"

// The second half of an oops, finished on the faulting goroutine when the
// fault hit ordinary goroutine code (task_report.go has the mechanism):
// the instruction decoded and the Go traceback. Anything else (a fault in
// a handler, on the runtime's g0 stack, with preemption or interrupts
// off) keeps the raw report of oops.go alone.

// oopsWhy carries oops's reason to the goroutine: a static byte buffer,
// so that copying it in exception context needs no write barrier.
var oopsWhy struct {
	b [64]byte
	n int
}

// oopsReportID is the report's registration, -1 until this package's
// init has run: an oops before the runtime starts has no goroutine to
// finish on.
var oopsReportID = -1

func init() { oopsReportID = RegisterTaskReport(oopsReport) }

// oopsInTask takes over the rest of the report in task context, or
// returns false if it cannot (oops.go calls it). Exception context.
func oopsInTask(f *amd64.TrapFrame, why string) bool {
	if oopsReportID < 0 {
		return false
	}
	oopsWhy.n = copy(oopsWhy.b[:], why)
	return FinishInTask(f, oopsReportID)
}

// oopsReport runs on the faulting goroutine. It does not return.
func oopsReport(f *amd64.TrapFrame, traceback []byte) {
	m := Pr(KERN_EMERG).S("Oops, continued in task context: ").S(amd64.VectorName(f.Vector))
	if oopsWhy.n > 0 {
		m = m.S(" (").B(oopsWhy.b[:oopsWhy.n]).S(")")
	}
	m.Emit()
	EmitLines(KERN_EMERG, "Code: "+DecodeInstruction(faultPC(f)))
	Pr(KERN_EMERG).S("Go traceback:").Emit()
	EmitLines(KERN_EMERG, string(traceback))
	endOops()
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
	if b, ok := PeekByte(uintptr(pc - 1)); ok && b == 0xcc {
		return pc - 1
	}
	b1, ok1 := PeekByte(uintptr(pc - 2))
	b2, ok2 := PeekByte(uintptr(pc - 1))
	if ok1 && ok2 && b1 == 0xcd && b2 == 0x03 {
		return pc - 2
	}
	return pc - 1
}
