package kernel

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
	"gopreempt/mm"
)

// Synchronous signals: a CPU exception raised by goroutine code becomes
// the signal Linux sends for it (arch/x86/kernel/traps.c and
// arch/x86/mm/fault.c), forced on the faulting thread and delivered on
// the way out of the exception (entry.go). The Go runtime's handler then
// does what it does on Linux: a fault becomes a panic (sigpanic) or
// "unexpected fault address", SIGILL and SIGTRAP its fatal report.
//
//	#DE              SIGFPE  FPE_INTDIV   si_addr = RIP
//	#BP              SIGTRAP SI_KERNEL
//	#OF, #BR         SIGSEGV SI_KERNEL
//	#UD              SIGILL  ILL_ILLOPN   si_addr = RIP
//	#TS              SIGSEGV SI_KERNEL
//	#NP, #SS         SIGBUS  SI_KERNEL
//	#GP              SIGSEGV SI_KERNEL    si_addr = 0 (do_general_protection)
//	#PF              SIGSEGV SEGV_MAPERR (nothing mapped) or SEGV_ACCERR
//	                 (a mapping that forbids the access), si_addr = CR2
//	#MF, #XM         SIGFPE  the code of the first unmasked x87/SSE
//	                 exception (fpu__exception_code), si_addr = RIP
//	#AC              SIGBUS  BUS_ADRALN
//
// Only a fault in task context, with preempt_count zero and interrupts
// on, becomes a signal. Everything else stays an oops (112), for two
// reasons. A fault in the kernel itself (an entry path, the scheduler, an
// interrupt handler, anything on a kernel or IST stack) is a kernel bug
// with no handler to run. And a fault in goroutine code inside
// preempt_disable(), a spinlock or local_irq_save() is kernel-critical
// code too: the Go handler would run, and a recovered panic unwind, with
// the count raised and the goroutine pinned, which nothing could undo;
// the runtime's fault path may sleep, which is a BUG there. So the
// kernel reports it as Linux reports a fault in atomic kernel code.
//
// Exception context: no allocation.

// taskFault reports whether the exception in f may become a signal.
func taskFault(f *amd64.TrapFrame) bool {
	return returnsToTaskContext(f) && maySignal(f)
}

// trapSignal turns the exception in f into a forced signal if it may; it
// reports whether it did. cr2 and pf are the page fault's address and
// what demand paging found (unused for other vectors).
func trapSignal(f *amd64.TrapFrame, cr2 uint64, pf mm.FaultResult) bool {
	if !taskFault(f) {
		return false
	}
	sig, code, addr := 0, int32(SI_KERNEL), uint64(0)
	switch f.Vector {
	case amd64.VecDivide:
		sig, code, addr = SIGFPE, FPE_INTDIV, f.RIP
	case amd64.VecBreakpoint:
		sig = SIGTRAP
	case amd64.VecOverflow, amd64.VecBound, amd64.VecInvalidTSS, amd64.VecGPF:
		sig = SIGSEGV
	case amd64.VecInvalidOp:
		sig, code, addr = SIGILL, ILL_ILLOPN, f.RIP
	case amd64.VecSegment, amd64.VecStack:
		sig = SIGBUS
	case amd64.VecPageFault:
		sig, code, addr = SIGSEGV, SEGV_ACCERR, cr2
		if pf == mm.FaultNoMapping && f.ErrorCode&mm.PF_P == 0 {
			code = SEGV_MAPERR
		}
	case amd64.VecFPU, amd64.VecSIMD:
		sig, code, addr = SIGFPE, fpuExceptionCode(f), f.RIP
	case amd64.VecAlignment:
		sig, code = SIGBUS, BUS_ADRALN
	default:
		return false
	}
	forceSigFault(sig, code, addr, f.Vector, f.ErrorCode)
	return true
}

// fpuExceptionCode is the si_code of an x87 (#MF) or SIMD (#XM)
// floating-point exception, from the first unmasked exception flag in
// the saved FSW or MXCSR (SDM Vol. 1, 8.1.3 and 10.2.3).
func fpuExceptionCode(f *amd64.TrapFrame) int32 {
	var err uint32
	if f.Vector == amd64.VecSIMD {
		mxcsr := uint32(f.FPU[24]) | uint32(f.FPU[25])<<8
		err = mxcsr & 0x3f &^ (mxcsr >> 7)
	} else {
		cwd := uint32(f.FPU[0]) | uint32(f.FPU[1])<<8
		swd := uint32(f.FPU[2]) | uint32(f.FPU[3])<<8
		err = swd &^ cwd
	}
	switch {
	case err&0x01 != 0:
		return FPE_FLTINV
	case err&0x04 != 0:
		return FPE_FLTDIV
	case err&0x08 != 0:
		return 4 // FPE_FLTOVF
	case err&0x12 != 0:
		return 5 // FPE_FLTUND
	case err&0x20 != 0:
		return 6 // FPE_FLTRES
	}
	return 0
}

// forceSigFault queues the synchronous signal sig on the current thread
// with its siginfo, unblocking it and resetting an ignoring action first
// (Linux's force_sig_fault): a fault must be answered, not deferred.
func forceSigFault(sig int, code int32, addr, trapno, err uint64) {
	t := Current()
	s := &t.Signal
	fl := sighand.lock.Lock()
	a := &sighand.action[sig]
	if a.Handler == SIG_IGN || s.blocked&sigmask(sig) != 0 {
		a.Handler = SIG_DFL
		s.blocked &^= sigmask(sig)
	}
	sighand.lock.Unlock(fl)
	s.fault.sig, s.fault.code = int32(sig), code
	s.fault.addr, s.fault.trapno, s.fault.err = addr, trapno, err
	atomic.OrUint64(&s.pending, sigmask(sig))
	atomic.OrUint64(&t.ThreadInfo.Flags, TIF_SIGPENDING)
}

// forceSigsegv is Linux's force_sigsegv: a handler whose frame cannot be
// built gets SIGSEGV, and if that was SIGSEGV's handler, the default
// action (death) instead of another try.
func forceSigsegv(sig int) {
	if sig == SIGSEGV {
		fl := sighand.lock.Lock()
		sighand.action[SIGSEGV].Handler = SIG_DFL
		sighand.lock.Unlock(fl)
	}
	forceSigFault(SIGSEGV, SI_KERNEL, 0, 0, 0)
}
