package linux

import (
	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// Signals. The runtime installs handlers for every signal and an
// alternate signal stack per thread; it uses signals for asynchronous
// preemption (SIGURG sent with tgkill) and to crash (SIGABRT). This
// kernel does not deliver signals yet: handlers are accepted and
// recorded, masks kept, and a SIGURG request is counted and dropped,
// which the runtime tolerates (it then behaves as with
// GODEBUG=asyncpreemptoff=1, which the boot environment also sets).
// A fatal signal sent by the runtime to itself ends the machine, since
// that is what it means.
const (
	SIGABRT = 6
	SIGKILL = 9
	SIGSEGV = 11
	SIGURG  = 23
	nsig    = 65
)

var sigState struct {
	handlers   [nsig][4]uint64 // struct sigaction: handler, flags, restorer, mask
	urgDropped uint64
}

func sysRtSigaction(f *amd64.TrapFrame) int64 {
	sig, act, old := f.RDI, uintptr(f.RSI), uintptr(f.RDX)
	if sig == 0 || sig >= nsig {
		return -EINVAL
	}
	if old != 0 {
		for i := 0; i < 4; i++ {
			*userU64(old + uintptr(i)*8) = sigState.handlers[sig][i]
		}
	}
	if act != 0 {
		if sig == SIGKILL || sig == 19 {
			return -EINVAL
		}
		for i := 0; i < 4; i++ {
			sigState.handlers[sig][i] = *userU64(act + uintptr(i)*8)
		}
	}
	return 0
}

func sysRtSigprocmask(f *amd64.TrapFrame) int64 {
	if old := uintptr(f.RDX); old != 0 {
		*userU64(old) = 0
	}
	return 0
}

// sigaltstack: report "no alternate stack" (SS_DISABLE) and accept one.
func sysSigaltstack(f *amd64.TrapFrame) int64 {
	if old := uintptr(f.RSI); old != 0 {
		*userU64(old) = 0
		*userU32(old + 8) = 2 // ss_flags = SS_DISABLE
		*userU64(old + 16) = 0
	}
	return 0
}

func signalTo(tid uint64, sig uint64) int64 {
	if sig == 0 {
		return 0
	}
	if sig == SIGURG {
		sigState.urgDropped++
		return 0
	}
	kernel.Pr(kernel.KERN_EMERG).S("gopreempt: fatal signal ").U(sig).S(" sent to thread ").U(tid).
		S(": the program crashed").Emit()
	kernel.DumpStack()
	kernel.PowerOff(2)
	return 0
}

func sysTgkill(f *amd64.TrapFrame) int64 { return signalTo(f.RSI, f.RDX) }

func sysTkill(f *amd64.TrapFrame) int64 { return signalTo(f.RDI, f.RSI) }

func sysKill(f *amd64.TrapFrame) int64 { return signalTo(f.RDI, f.RSI) }

func sysSetitimer(f *amd64.TrapFrame) int64 { return 0 }
