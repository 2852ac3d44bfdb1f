package linux

import (
	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// Signals: the system calls. The state and the delivery are the
// kernel's (kernel/signal.go, signal_frame.go, entry.go); these calls
// copy the Linux structures in and out. The runtime installs a handler
// for every signal with SA_ONSTACK|SA_SIGINFO|SA_RESTORER|SA_RESTART, an
// alternate stack per thread, blocks every signal around clone, sends
// itself SIGURG with tgkill to preempt a goroutine, and returns from each
// handler through rt_sigreturn.

const sigsetSize = 8 // the kernel's sigset_t: 64 signals

func validSignal(sig uint64) bool { return sig > 0 && sig < kernel.NSIG }

func sysRtSigaction(f *amd64.TrapFrame) int64 {
	sig, act, old, size := f.RDI, uintptr(f.RSI), uintptr(f.RDX), f.R10
	if !validSignal(sig) || size != sigsetSize {
		return -EINVAL
	}
	cur := kernel.GetSigaction(int(sig))
	if act != 0 && !accessOK(act, 32, false) || old != 0 && !accessOK(old, 32, true) {
		return -EFAULT
	}
	if act != 0 {
		a := kernel.Sigaction{
			Handler:  *userU64(act),
			Flags:    *userU64(act + 8),
			Restorer: *userU64(act + 16),
			Mask:     *userU64(act + 24),
		}
		if !kernel.SetSigaction(int(sig), a) {
			return -EINVAL
		}
	}
	if old != 0 {
		*userU64(old) = cur.Handler
		*userU64(old + 8) = cur.Flags
		*userU64(old + 16) = cur.Restorer
		*userU64(old + 24) = cur.Mask
	}
	return 0
}

func sysRtSigprocmask(f *amd64.TrapFrame) int64 {
	how, set, old, size := int(f.RDI), uintptr(f.RSI), uintptr(f.RDX), f.R10
	if size != sigsetSize {
		return -EINVAL
	}
	var v uint64
	if set != 0 {
		var ok bool
		if v, ok = getUser64(set); !ok {
			return -EFAULT
		}
	}
	if old != 0 && !accessOK(old, 8, true) {
		return -EFAULT
	}
	prev, ok := kernel.SigprocMask(how, v, set != 0)
	if !ok {
		return -EINVAL
	}
	if old != 0 {
		*userU64(old) = prev
	}
	return 0
}

func sysRtSigpending(f *amd64.TrapFrame) int64 {
	if f.RSI != sigsetSize {
		return -EINVAL
	}
	if !putUser64(uintptr(f.RDI), kernel.SigPending()&kernel.Blocked()) {
		return -EFAULT
	}
	return 0
}

// sigaltstack(ss, old): stack_t is {ss_sp, ss_flags (int), ss_size}.
func sysSigaltstack(f *amd64.TrapFrame) int64 {
	ss, old := uintptr(f.RDI), uintptr(f.RSI)
	var sp, size uint64
	var flags int32
	if ss != 0 && !accessOK(ss, 24, false) || old != 0 && !accessOK(old, 24, true) {
		return -EFAULT
	}
	if ss != 0 {
		sp, flags, size = *userU64(ss), int32(*userU32(ss + 8)), *userU64(ss + 16)
	}
	osp, osize, oflags, e := kernel.Sigaltstack(sp, size, flags, ss != 0, f.RSP)
	if e != 0 {
		return e
	}
	if old != 0 {
		*userU64(old) = osp
		*userU32(old + 8) = uint32(oflags)
		*userU64(old + 16) = osize
	}
	return 0
}

func sysRtSigreturn(f *amd64.TrapFrame) int64 { return kernel.RtSigreturn(f) }

// signalThread sends sig to thread tid (tkill, tgkill). Signal 0 only
// checks that the thread exists.
func signalThread(tid uint64, sig uint64) int64 {
	if sig != 0 && !validSignal(sig) {
		return -EINVAL
	}
	t := kernel.FindTask(int32(tid))
	if t == nil {
		return -ESRCH
	}
	if sig != 0 {
		kernel.SendSignalToTask(t, int(sig), true)
	}
	kernel.PutTaskStruct(t)
	return 0
}

func sysTgkill(f *amd64.TrapFrame) int64 {
	if f.RDI != 1 {
		return -ESRCH // there is one process, pid 1
	}
	return signalThread(f.RSI, f.RDX)
}

func sysTkill(f *amd64.TrapFrame) int64 { return signalThread(f.RDI, f.RSI) }

// kill(pid, sig): the process is pid 1 (getpid), and 0 and -1 name it
// too, being its group and "every process we may signal".
func sysKill(f *amd64.TrapFrame) int64 {
	pid, sig := int64(f.RDI), f.RSI
	if pid != 1 && pid != 0 && pid != -1 {
		return -ESRCH
	}
	if sig != 0 && !validSignal(sig) {
		return -EINVAL
	}
	if sig != 0 {
		kernel.SendSignalToProcess(int(sig))
	}
	return 0
}
