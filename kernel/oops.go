package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/mm"
)

// Oops: a CPU exception in kernel code.
//
// There is no user mode, so every exception that demand paging does not
// explain is a bug in the kernel or in the Go program it runs. The report
// says which exception, where (RIP, and CR2 for a page fault), the full
// register state, the instruction bytes at RIP, the task, and a backtrace
// that follows the frame-pointer chain (Go keeps RBP as a frame pointer on
// amd64). Backtrace lines carry raw addresses as "[<0x...>]", which the host
// runner resolves to function, file and line from the kernel image.
// Where it is safe (the fault happened in a goroutine, not in a handler),
// the report is finished in that goroutine with the instruction decoded
// and the Go runtime's own traceback (oops_task.go). Then QEMU exits with
// exitstatus.Oops, or the machine halts under panic=halt. The whole
// report, in both halves, holds the report lock (oops_lock.go): an oops
// on another CPU at the same time waits for this one, whose end of the
// machine then ends it too.
//
// Exception context: no allocation.

// oopsing counts the oopses under way on the CPU that holds the report
// lock: more than two is an oops in the reporting of one.
var oopsing uint32

func oops(f *amd64.TrapFrame, why string) {
	oopsBegin() // not ended: an oops ends the machine
	oopsing++
	if oopsing > 2 {
		PanicEnd(EndNestedOops)
	}
	t := Current()
	if f.Vector == amd64.VecPageFault {
		why = pageFaultReason(f, why)
	}
	m := Pr(KERN_EMERG).S("Oops: ").S(amd64.VectorName(f.Vector)).S(" error_code=").X(f.ErrorCode)
	if why != "" {
		m = m.S(" (").S(why).S(")")
	}
	m.Emit()
	if returnsToTaskContext(f) && !maySignal(f) {
		// It would have been a signal (signal_fault.go).
		Pr(KERN_EMERG).S("in goroutine code in atomic context (preemption or interrupts off): an oops, not a signal").Emit()
	}
	if f.Vector == amd64.VecPageFault {
		showFaultOops(f) // fault_oops.go
	}
	dumpRegisters(f)
	Pr(KERN_EMERG).S("Task: ").B(t.Name[:nameLen(t)]).S(" pid ").I(int64(t.Pid)).
		S(" cpu ").U(uint64(t.ThreadInfo.CPU)).S(" preempt_count=").X(uint64(t.ThreadInfo.PreemptCount)).Emit()
	dumpCode(f.RIP)
	Pr(KERN_EMERG).S("Backtrace:").Emit()
	Pr(KERN_EMERG).S("  [<0x").X16(f.RIP).S(">]").Emit()
	// An instruction fetch that faults is usually a call through a bad
	// function pointer: the call's return address, at RSP, names the
	// caller. RIP is not Go code, and the Go traceback would stop at it
	// ("unknown caller pc"), so this raw report is the whole report.
	fetch := f.Vector == amd64.VecPageFault && f.ErrorCode&mm.PF_I != 0
	if _, ok := mm.Translate(uintptr(f.RSP)); fetch && ok {
		Pr(KERN_EMERG).S("  [<0x").X16(*(*uint64)(addr.Ptr(uintptr(f.RSP)))).S(">] (return address at RSP)").Emit()
	}
	backtrace(uintptr(f.RBP), 32)
	if !fetch && oopsInTask(f, why) {
		return // finished in task context, with the lock, which ends the machine
	}
	endOops()
}

// endOops closes a report, from exception context or from the task-context
// half (oops_task.go), and ends the machine.
func endOops() {
	Pr(KERN_EMERG).S("---[ end Kernel oops ]---").Emit()
	PanicEnd(EndOops)
}

func nameLen(t *Task) int {
	n := 0
	for n < len(t.Name) && t.Name[n] != 0 {
		n++
	}
	return n
}

func dumpRegisters(f *amd64.TrapFrame) {
	Pr(KERN_EMERG).S("RIP: ").X16(f.RIP).S(" RSP: ").X16(f.RSP).S(" RFLAGS: ").X16(f.RFLAGS).Emit()
	Pr(KERN_EMERG).S("RAX: ").X16(f.RAX).S(" RBX: ").X16(f.RBX).S(" RCX: ").X16(f.RCX).Emit()
	Pr(KERN_EMERG).S("RDX: ").X16(f.RDX).S(" RSI: ").X16(f.RSI).S(" RDI: ").X16(f.RDI).Emit()
	Pr(KERN_EMERG).S("RBP: ").X16(f.RBP).S(" R8:  ").X16(f.R8).S(" R9:  ").X16(f.R9).Emit()
	Pr(KERN_EMERG).S("R10: ").X16(f.R10).S(" R11: ").X16(f.R11).S(" R12: ").X16(f.R12).Emit()
	Pr(KERN_EMERG).S("R13: ").X16(f.R13).S(" R14: ").X16(f.R14).S(" R15: ").X16(f.R15).Emit()
	Pr(KERN_EMERG).S("CS: ").X(f.CS).S(" SS: ").X(f.SS).S(" FS.base: ").X16(f.FSBase).
		S(" CR3: ").X16(amd64.ReadCR3()).Emit()
}

// dumpCode prints the 16 bytes at rip, if they are mapped.
func dumpCode(rip uint64) {
	m := Pr(KERN_EMERG).S("Code:")
	for i := uint64(0); i < 16; i++ {
		if _, ok := mm.Translate(uintptr(rip + i)); !ok {
			m = m.S(" ??")
			continue
		}
		b := *(*byte)(addr.Ptr(uintptr(rip + i)))
		m = m.S(" ").S(hexByte(b))
	}
	m.Emit()
}

func hexByte(b byte) string {
	const h = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" +
		"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" +
		"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f" +
		"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f" +
		"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" +
		"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf" +
		"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf" +
		"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
	return h[2*int(b) : 2*int(b)+2]
}

// backtrace follows the frame-pointer chain from bp: each frame holds the
// caller's BP at 0(BP) and the return address at 8(BP). It stops at a
// zero or unmapped BP, or after max frames.
func backtrace(bp uintptr, max int) {
	for i := 0; i < max && bp != 0 && bp&7 == 0; i++ {
		if _, ok := mm.Translate(bp); !ok {
			return
		}
		if _, ok := mm.Translate(bp + 8); !ok {
			return
		}
		ret := *(*uint64)(addr.Ptr(bp + 8))
		if ret == 0 {
			return
		}
		Pr(KERN_EMERG).S("  [<0x").X16(ret).S(">]").Emit()
		next := *(*uintptr)(addr.Ptr(bp))
		if next <= bp {
			return // frames go up the stack; anything else is garbage
		}
		bp = next
	}
}

// frameBacktrace prints the backtrace of the code that frame f
// interrupted or that called in with it: its RIP, then its frame-pointer
// chain.
func frameBacktrace(f *amd64.TrapFrame) {
	Pr(KERN_EMERG).S("Backtrace:").Emit()
	Pr(KERN_EMERG).S("  [<0x").X16(f.RIP).S(">]").Emit()
	backtrace(uintptr(f.RBP), 32)
}

// DumpStack prints a backtrace of the caller (Linux's dump_stack).
func DumpStack() {
	Pr(KERN_EMERG).S("Backtrace:").Emit()
	backtrace(amd64.FramePointer(), 32)
}

// outOfMemory is the page-fault path's answer to an exhausted allocator.
func outOfMemory(f *amd64.TrapFrame, va uintptr) {
	oopsBegin() // held until the end of the machine
	free, total := mm.FreeFrames()
	Pr(KERN_EMERG).S("Out of memory: no frame for address ").X(uint64(va)).
		S(" (").U(free).S(" of ").U(total).S(" frames free). Give QEMU more memory (-m).").Emit()
	dumpRegisters(f)
	backtrace(uintptr(f.RBP), 16)
	PanicEnd(EndOutOfMemory)
}
