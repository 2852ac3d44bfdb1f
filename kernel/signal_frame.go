package kernel

import (
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/mm"
)

// The signal frame: how a handler is entered and how rt_sigreturn leaves
// it, laid out exactly as Linux's x86-64 rt_sigframe
// (arch/x86/include/asm/sigframe.h; built as arch/x86/kernel/signal.c
// get_sigframe and signal_64.c x64_setup_rt_frame do). The Go runtime
// reads and rewrites it: its handler finds the interrupted registers in
// uc_mcontext (runtime/defs_linux_amd64.go's sigcontext), may change RIP
// and RSP there (async preemption pushes a call to asyncPreempt, a fault
// becomes a call to sigpanic), and returns through sa_restorer, which is
// rt_sigreturn.
//
//	high   the interrupted stack, less a 128-byte red zone (or the top
//	       of the alternate stack, SA_ONSTACK)
//	       fpstate: the interrupted FXSAVE image, 64-byte aligned
//	       siginfo (128 bytes)
//	       ucontext: uc_flags, uc_link, uc_stack, uc_mcontext, uc_sigmask
//	low    pretcode = sa_restorer          <- the handler's RSP, which
//	       is 8 off 16-byte alignment, as at any function's entry
//
// The handler is entered with RDI = signal, RSI = &siginfo, RDX =
// &ucontext and a clean FPU (Linux's fpu__clear_user_states). Everything
// runs at CPL 0 here, so CS and SS stay the kernel's and rt_sigreturn
// never takes them from the frame; RFLAGS is restored only in the bits
// Linux lets a handler change (FIX_EFLAGS), so IF stays on.
//
// The interrupted x87/SSE state is the TrapFrame's FXSAVE image (the
// entry code saved it before any Go code ran), so that is what goes into
// fpstate. A system call's entry saved only XMM0-15 and MXCSR, and
// CompleteFPU adds the x87 part from the registers, which kernel code
// never changes (docs/syscall.md). Without XSAVE's magic words the runtime and Linux read it as
// the legacy 512-byte format (uc_flags has no UC_FP_XSTATE). AVX state
// exists only inside kernel_fpu_begin/end, where no signal is delivered
// (preemption is off).
//
// Kernel context, interrupts off: no allocation. The frame is written
// straight into the goroutine's memory, which may fault in (demand
// paging); a range no mapping allows ends in a forced SIGSEGV, as a
// failed copy_to_user does in Linux.

type sigStack struct {
	SP    uint64
	Flags int32
	_     int32
	Size  uint64
}

// sigcontext is struct sigcontext_64.
type sigcontext struct {
	R8, R9, R10, R11, R12, R13, R14, R15 uint64
	RDI, RSI, RBP, RBX, RDX, RAX, RCX    uint64
	RSP, RIP, EFLAGS                     uint64
	CS, GS, FS, SS                       uint16
	Err, Trapno, Oldmask, CR2            uint64
	Fpstate                              uint64 // address of the FXSAVE image
	_                                    [8]uint64
}

type ucontext struct {
	Flags    uint64
	Link     uint64
	Stack    sigStack
	Mcontext sigcontext
	Sigmask  uint64
}

// siginfo is the 128-byte siginfo_t: the union starts at 16 (si_addr for
// a fault; si_pid, si_uid for a signal sent by kill).
type siginfo struct {
	Signo, Errno, Code int32
	_                  int32
	Union              [14]uint64
}

type rtSigframe struct {
	Pretcode uint64
	UC       ucontext
	Info     siginfo
}

// Linux's layout, checked at compile time: ucontext 304 bytes with the
// mcontext at 40, siginfo at 312, 440 bytes in all.
var (
	_ [unsafe.Sizeof(rtSigframe{}) - 440]byte
	_ [440 - unsafe.Sizeof(rtSigframe{})]byte
	_ [unsafe.Offsetof(ucontext{}.Mcontext) - 40]byte
	_ [40 - unsafe.Offsetof(ucontext{}.Mcontext)]byte
	_ [unsafe.Offsetof(rtSigframe{}.Info) - 312]byte
	_ [312 - unsafe.Offsetof(rtSigframe{}.Info)]byte
	_ [unsafe.Offsetof(sigcontext{}.Fpstate) - 184]byte
	_ [184 - unsafe.Offsetof(sigcontext{}.Fpstate)]byte
)

const (
	fxsaveSize = 512
	redZone    = 128

	UC_SIGCONTEXT_SS     = 2
	UC_STRICT_RESTORE_SS = 4

	// The RFLAGS bits a handler may change (Linux's FIX_EFLAGS): AC, OF,
	// DF, TF, SF, ZF, AF, PF, CF, NT, RF.
	fixEflags = 1<<18 | 1<<11 | 1<<10 | 1<<8 | 1<<7 | 1<<6 | 1<<4 | 1<<2 | 1<<0 | 1<<14 | 1<<16
	flagsDF   = 1 << 10
	flagsTF   = 1 << 8
	flagsRF   = 1 << 16

	// MXCSR in the FXSAVE image; FXRSTOR faults on bits 16..31 (SDM
	// Vol. 1, 10.5.1.2), which rt_sigreturn clears.
	mxcsrOffset  = 24
	mxcsrDefault = 0x1f80
	fcwDefault   = 0x037f
)

// setupRtFrame builds the frame for sig with action a on the current
// thread and points f at the handler. It reports false if the frame
// cannot be written (no alternate stack room, no mapping, no restorer).
func setupRtFrame(f *amd64.TrapFrame, sig int, code int32, a *Sigaction) bool {
	t := Current()
	s := &t.Signal
	if a.Flags&SA_RESTORER == 0 || a.Restorer == 0 {
		return false // x86-64 has no vDSO trampoline to fall back on
	}
	sp := f.RSP - redZone
	onstack := s.onSigStack(f.RSP)
	if a.Flags&SA_ONSTACK != 0 && s.altSize != 0 && !onstack {
		sp = s.altSP + s.altSize
		onstack = true
	}
	fp := (sp - fxsaveSize) &^ 63
	frame := ((fp-uint64(unsafe.Sizeof(rtSigframe{}))+8)&^15 - 8)
	if onstack && !s.onSigStack(frame) {
		return false // would overflow the alternate stack
	}
	if !mm.AccessOK(uintptr(frame), uintptr(sp), true) {
		return false
	}

	fr := (*rtSigframe)(addr.Ptr(uintptr(frame)))
	*fr = rtSigframe{}
	fr.Pretcode = a.Restorer
	fr.Info.Signo = int32(sig)
	fr.Info.Code = code
	if s.fault.sig == int32(sig) && code == s.fault.code && code > 0 {
		fr.Info.Union[0] = s.fault.addr // si_addr
	} else if code == SI_TIMER {
		ti := &s.timerInfo // si_tid (the timer id), si_overrun, si_value
		fr.Info.Union[0] = uint64(uint32(ti.id)) | uint64(uint32(ti.overrun))<<32
		fr.Info.Union[1] = ti.value
	} else if code <= 0 {
		fr.Info.Union[0] = 1 // si_pid (the one process), si_uid 0
	}
	uc := &fr.UC
	uc.Flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS
	uc.Stack = sigStack{SP: s.altSP, Flags: s.sasSSFlags(f.RSP), Size: s.altSize}
	m := &uc.Mcontext
	m.R8, m.R9, m.R10, m.R11 = f.R8, f.R9, f.R10, f.R11
	m.R12, m.R13, m.R14, m.R15 = f.R12, f.R13, f.R14, f.R15
	m.RDI, m.RSI, m.RBP, m.RBX = f.RDI, f.RSI, f.RBP, f.RBX
	m.RDX, m.RAX, m.RCX = f.RDX, f.RAX, f.RCX
	m.RSP, m.RIP, m.EFLAGS = f.RSP, f.RIP, f.RFLAGS
	m.CS, m.SS = uint16(f.CS), uint16(f.SS)
	if s.fault.sig == int32(sig) {
		m.Trapno, m.Err, m.CR2 = s.fault.trapno, s.fault.err, s.fault.addr
		s.fault.sig = 0
	}
	m.Oldmask = sigmaskToSave(s)
	m.Fpstate = fp
	uc.Sigmask = m.Oldmask
	f.CompleteFPU() // a system call's frame saved only XMM0-15 and MXCSR
	*(*[fxsaveSize]byte)(addr.Ptr(uintptr(fp))) = f.FPU

	f.RDI = uint64(sig)
	f.RSI = frame + uint64(unsafe.Offsetof(rtSigframe{}.Info))
	f.RDX = frame + uint64(unsafe.Offsetof(rtSigframe{}.UC))
	f.RAX = 0
	f.RIP = a.Handler
	f.RSP = frame
	f.RFLAGS &^= flagsDF | flagsRF | flagsTF
	fpuInitImage(&f.FPU)
	f.FPUPartial = 0

	// signal_setup_done: block the action's mask and, unless
	// SA_NODEFER, the signal itself while the handler runs, on top of
	// the mask in force (a call's own, if it set one: the frame has
	// the one to go back to).
	s.restoreSaved = false
	s.blocked |= a.Mask
	if a.Flags&SA_NODEFER == 0 {
		s.blocked |= sigmask(sig)
	}
	s.blocked &^= unblockable
	if a.Flags&SA_RESETHAND != 0 {
		fl := sighand.lock.Lock()
		sighand.action[sig] = Sigaction{}
		sighand.lock.Unlock(fl)
	}
	s.Delivered++
	if code == SI_TIMER {
		s.TimerDelivered++
	}
	return true
}

// fpuInitImage sets an FXSAVE image to the state after FNINIT with the
// default MXCSR: what a handler starts with.
func fpuInitImage(img *[fxsaveSize]byte) {
	*img = [fxsaveSize]byte{}
	img[0], img[1] = fcwDefault&0xff, fcwDefault>>8
	img[mxcsrOffset] = mxcsrDefault & 0xff
	img[mxcsrOffset+1] = mxcsrDefault >> 8
}

// RtSigreturn is rt_sigreturn: it restores the context the frame at the
// caller's stack holds (the handler's RET popped pretcode) into f, and
// returns the restored RAX, which the system-call path stores back.
// SYSCALL context. A frame that cannot be read is a forced SIGSEGV.
func RtSigreturn(f *amd64.TrapFrame) int64 {
	t := Current()
	s := &t.Signal
	s.origAX = -1 // not a system call to restart
	frame := f.RSP - 8
	size := uint64(unsafe.Sizeof(rtSigframe{}))
	if !mm.AccessOK(uintptr(frame), uintptr(frame+size), false) {
		forceSigFault(SIGSEGV, SI_KERNEL, 0, 0, 0)
		return int64(f.RAX)
	}
	fr := (*rtSigframe)(addr.Ptr(uintptr(frame)))
	uc := &fr.UC
	m := &uc.Mcontext

	s.blocked = uc.Sigmask &^ unblockable
	recalcSigpending()

	f.R8, f.R9, f.R10, f.R11 = m.R8, m.R9, m.R10, m.R11
	f.R12, f.R13, f.R14, f.R15 = m.R12, m.R13, m.R14, m.R15
	f.RDI, f.RSI, f.RBP, f.RBX = m.RDI, m.RSI, m.RBP, m.RBX
	f.RDX, f.RAX, f.RCX = m.RDX, m.RAX, m.RCX
	f.RSP, f.RIP = m.RSP, m.RIP
	f.RFLAGS = f.RFLAGS&^fixEflags | m.EFLAGS&fixEflags

	// The whole image replaces the frame's, which was a system call's
	// partial one: the way out restores it with FXRSTOR.
	if m.Fpstate == 0 {
		fpuInitImage(&f.FPU)
		f.FPUPartial = 0
	} else if m.Fpstate&15 == 0 && mm.AccessOK(uintptr(m.Fpstate), uintptr(m.Fpstate+fxsaveSize), false) {
		f.SetFPUImage((*[fxsaveSize]byte)(addr.Ptr(uintptr(m.Fpstate))))
		// Reserved MXCSR bits would fault in FXRSTOR on the way out.
		f.FPU[mxcsrOffset+2], f.FPU[mxcsrOffset+3] = 0, 0
	} else {
		forceSigFault(SIGSEGV, SI_KERNEL, 0, 0, 0)
	}

	// restore_altstack: the frame's uc_stack, as a sigaltstack call from
	// the interrupted stack would set it (errors are ignored, as Linux).
	Sigaltstack(uc.Stack.SP, uc.Stack.Size, uc.Stack.Flags, true, f.RSP)
	return int64(f.RAX)
}
