package kernel

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
)

// Signals: the state behind Linux's kernel/signal.c, for the one process
// the kernel runs (every task is a thread of it).
//
// Who owns what follows Linux. The action of each signal (rt_sigaction:
// handler, flags, restorer, mask) belongs to the process: one table under
// one raw lock, Linux's sighand->siglock. The blocked mask and the
// alternate stack belong to each thread and are only ever changed by the
// thread itself (rt_sigprocmask, sigaltstack, delivery, rt_sigreturn), so
// they need no lock. The pending set is per thread for signals sent to a
// thread (tkill, tgkill, a fault) and per process for kill(); senders on
// other CPUs set bits in both, so they are changed with atomic
// operations. TIF_SIGPENDING is the hint on the receiving thread that its
// next return to task context has work (entry.go); the set itself decides.
//
// A signal that would be ignored (SIG_IGN, or SIG_DFL for SIGCHLD, SIGURG,
// SIGWINCH, SIGCONT) is dropped when sent unless blocked, as Linux's
// sig_ignored(): it neither wakes nor interrupts anything. The others are
// queued once (no real-time queueing: a second SIGUSR1 before delivery
// merges into the first, as for Linux's non-real-time signals).
//
// A synchronous signal (a fault, signal_fault.go) cannot wait or be
// refused: if the thread blocks it or ignores it, the action is reset to
// SIG_DFL and the signal unblocked (Linux's force_sig_info), so the fault
// kills instead of looping.
//
// Any context unless a function says otherwise; no allocation.

// Signal numbers (x86-64, Linux's arch/x86/include/uapi/asm/signal.h).
// The table is whole: the kernel names the signals it raises or treats
// specially; the others reach it only as numbers from user programs
// (kill, sigaction), and signalNames prints them all.
const (
	SIGHUP    = 1
	SIGINT    = 2
	SIGQUIT   = 3
	SIGILL    = 4
	SIGTRAP   = 5
	SIGABRT   = 6
	SIGBUS    = 7
	SIGFPE    = 8
	SIGKILL   = 9
	SIGUSR1   = 10
	SIGSEGV   = 11
	SIGUSR2   = 12
	SIGPIPE   = 13
	SIGALRM   = 14
	SIGTERM   = 15
	SIGSTKFLT = 16
	SIGCHLD   = 17
	SIGCONT   = 18
	SIGSTOP   = 19
	SIGTSTP   = 20
	SIGTTIN   = 21
	SIGTTOU   = 22
	SIGURG    = 23
	SIGXCPU   = 24
	SIGXFSZ   = 25
	SIGVTALRM = 26
	SIGPROF   = 27
	SIGWINCH  = 28
	SIGIO     = 29
	SIGPWR    = 30
	SIGSYS    = 31
	SIGRTMAX  = 64
	NSIG      = 65
)

// sigaction flags and special handlers.
const (
	SA_SIGINFO   = 0x4 // always in effect: every handler gets siginfo and ucontext (signal_frame.go)
	SA_RESTORER  = 0x04000000
	SA_ONSTACK   = 0x08000000
	SA_RESTART   = 0x10000000
	SA_NODEFER   = 0x40000000
	SA_RESETHAND = 0x80000000

	SIG_DFL = 0
	SIG_IGN = 1
)

// si_code values (Linux's include/uapi/asm-generic/siginfo.h).
const (
	SI_USER     = 0
	SI_KERNEL   = 0x80
	SI_TKILL    = -6
	SEGV_MAPERR = 1
	SEGV_ACCERR = 2
	FPE_INTDIV  = 1
	FPE_FLTDIV  = 3
	FPE_FLTINV  = 7
	ILL_ILLOPN  = 2
	BUS_ADRALN  = 1
)

// sigaltstack flags and the smallest stack it accepts.
const (
	SS_ONSTACK  = 1
	SS_DISABLE  = 2
	MINSIGSTKSZ = 2048
)

// TIF_SIGPENDING: a signal may be deliverable at the next return to task
// context (thread_info.go has the other flags).
const TIF_SIGPENDING = 1 << 2

// Sigaction is struct sigaction as rt_sigaction passes it on x86-64.
type Sigaction struct {
	Handler, Flags, Restorer, Mask uint64
}

// SigTask is a thread's signal state, in its task struct.
type SigTask struct {
	pending uint64 // queued for this thread (atomic)
	tkill   uint64 // of those, sent by tkill/tgkill (si_code SI_TKILL)
	timer   uint64 // of those, queued by a POSIX timer (SI_TIMER: posix_cpu_timers.go)
	blocked uint64 // only the thread itself changes it

	// saved is the mask a call that sleeps with a mask of its own
	// (epoll_pwait) put aside, while restoreSaved (Linux's
	// TIF_RESTORE_SIGMASK) says it is to come back: SetUserSigmask.
	saved        uint64
	restoreSaved bool

	altSP, altSize uint64 // the alternate stack; altSize 0: none

	// The forced synchronous signal and what its siginfo and sigcontext
	// report (si_code, si_addr; trap number, error code, CR2).
	fault struct {
		sig, code         int32
		addr, trapno, err uint64
	}

	// The POSIX timer signal being delivered: what its siginfo reports.
	timerInfo struct {
		id, overrun int32
		value       uint64
	}

	// origAX is the system call number while the thread is in a system
	// call, -1 otherwise: the restart logic needs it (Linux's orig_ax).
	origAX int64

	Delivered      uint64 // signal frames built for this thread
	TimerDelivered uint64 // of those, for a POSIX timer's signal (SI_TIMER): a profiled thread's SIGPROFs
	Deferred       uint64 // deliveries put off: kernel context, preemption or interrupts off
}

var sighand struct {
	lock   amd64.RawLock
	action [NSIG]Sigaction
}

// sharedPending holds the signals sent to the process with kill();
// sharedKernel marks those the kernel sent (the itimers: SI_KERNEL).
var sharedPending, sharedKernel uint64

func sigmask(sig int) uint64 { return 1 << (sig - 1) }

// Signals that cannot be caught, blocked or ignored.
const unblockable = 1<<(SIGKILL-1) | 1<<(SIGSTOP-1)

// sigDefaultIgnored reports whether SIG_DFL means "ignore" for sig. The
// stop signals (SIGSTOP included) have no job control to stop for here,
// and nothing could continue a stopped program; SIGCONT has nothing to
// continue: both kinds are ignored.
func sigDefaultIgnored(sig int) bool {
	switch sig {
	case SIGCHLD, SIGURG, SIGWINCH, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU:
		return true
	}
	return false
}

// GetSigaction copies sig's action.
func GetSigaction(sig int) Sigaction {
	fl := sighand.lock.Lock()
	a := sighand.action[sig]
	sighand.lock.Unlock(fl)
	return a
}

// SetSigaction installs act for sig (rt_sigaction). SIGKILL and SIGSTOP
// cannot be caught; the caller has checked sig's range. Installing an
// ignoring action discards what is pending for it, as Linux does.
func SetSigaction(sig int, act Sigaction) bool {
	if sigmask(sig)&unblockable != 0 {
		return false
	}
	act.Mask &^= unblockable
	fl := sighand.lock.Lock()
	sighand.action[sig] = act
	sighand.lock.Unlock(fl)
	if act.Handler == SIG_IGN || act.Handler == SIG_DFL && sigDefaultIgnored(sig) {
		atomic.AndUint64(&sharedPending, ^sigmask(sig))
		ForEachTask(func(t *Task) { atomic.AndUint64(&t.Signal.pending, ^sigmask(sig)) })
	}
	return true
}

// sigIgnored reports whether sending sig to t is pointless (Linux's
// sig_ignored): it is not blocked and its action ignores it.
func sigIgnored(t *Task, sig int) bool {
	if t.Signal.blocked&sigmask(sig) != 0 {
		return false
	}
	a := GetSigaction(sig)
	return a.Handler == SIG_IGN || a.Handler == SIG_DFL && sigDefaultIgnored(sig)
}

// SendSignalToTask queues sig for thread t (tkill, tgkill) and wakes it
// from an interruptible sleep.
func SendSignalToTask(t *Task, sig int, tkill bool) {
	if sigIgnored(t, sig) || kthreadIgnores(t, sig) {
		return
	}
	if tkill {
		atomic.OrUint64(&t.Signal.tkill, sigmask(sig))
	} else {
		atomic.AndUint64(&t.Signal.tkill, ^sigmask(sig))
	}
	atomic.AndUint64(&t.Signal.timer, ^sigmask(sig))
	atomic.OrUint64(&t.Signal.pending, sigmask(sig))
	signalWakeUp(t)
}

// kthreadIgnores reports whether t is a kernel thread, which takes no
// sent signal. A kthread stands for kernel code, and Linux's kernel
// threads ignore every signal (kthreadd's ignore_signals()): above all the
// runtime's SIGURG, whose handler would park the kthread's locked thread
// in a futex and so let another task run in the middle of kernel code
// under preempt=none, a preemption the model forbids (TestDemo/none sees
// it as lost per-CPU updates). Two exceptions: faults are not sent but
// forced (signal_fault.go) and still reach a kthread's goroutine; and
// SIGPROF, the profiling timer's signal, is taken, because its handler
// only records a sample and returns, as a profiling interrupt does in
// Linux's kernel (though its rt_sigreturn, a system call, is a
// rescheduling point).
func kthreadIgnores(t *Task, sig int) bool {
	return t.kind == taskKthread && sig != SIGPROF
}

// SendSignalToProcess queues sig for the process (kill): the first
// thread that does not block it takes it at its return to task context.
// The caller is preferred, which is about to return; otherwise one thread
// that does not block it is woken (Linux's complete_signal).
func SendSignalToProcess(sig int) {
	cur := Current()
	if sigIgnored(cur, sig) {
		return
	}
	atomic.AndUint64(&sharedKernel, ^sigmask(sig))
	atomic.OrUint64(&sharedPending, sigmask(sig))
	if cur.Signal.blocked&sigmask(sig) == 0 && !kthreadIgnores(cur, sig) {
		atomic.OrUint64(&cur.ThreadInfo.Flags, TIF_SIGPENDING)
		return
	}
	woken := false
	ForEachTask(func(t *Task) {
		if !woken && t.kind != taskIdle && !kthreadIgnores(t, sig) && t.State != TASK_DEAD && t.Signal.blocked&sigmask(sig) == 0 {
			signalWakeUp(t)
			woken = true
		}
	})
}

// signalWakeUp marks t and makes it notice soon: an interruptible sleep
// ends (the sleeping call returns -EINTR or restarts), and a thread
// running on another CPU is sent a reschedule IPI so that it passes
// through its interrupt return (Linux's signal_wake_up and kick_process).
func signalWakeUp(t *Task) {
	atomic.OrUint64(&t.ThreadInfo.Flags, TIF_SIGPENDING)
	if tryToWakeUp(t, TASK_INTERRUPTIBLE) {
		return
	}
	if t.onCPU && t != Current() {
		smpSendReschedule(int(t.ThreadInfo.CPU))
	}
}

// deliverable returns the signals t may take now.
func deliverable(t *Task) uint64 {
	return (atomic.LoadUint64(&t.Signal.pending) | sharedPendingFor(t)) &^ t.Signal.blocked
}

// sharedPendingFor is the process's pending set as thread t sees it: a
// kernel thread takes no process signal but SIGPROF (kthreadIgnores).
func sharedPendingFor(t *Task) uint64 {
	if t.kind == taskKthread {
		return atomic.LoadUint64(&sharedPending) & sigmask(SIGPROF)
	}
	return atomic.LoadUint64(&sharedPending)
}

// SignalPending reports whether the current thread has a signal to take:
// an interruptible sleep ends on it (Linux's signal_pending).
func SignalPending() bool { return deliverable(Current()) != 0 }

// signalPendingState is Linux's signal_pending_state: a task about to
// sleep in state does not go to sleep if a signal would wake it at once.
func signalPendingState(state int32, t *Task) bool {
	return state == TASK_INTERRUPTIBLE && deliverable(t) != 0
}

// recalcSigpending sets TIF_SIGPENDING if the current thread has
// something to take (after its mask changed).
func recalcSigpending() {
	t := Current()
	if deliverable(t) != 0 {
		atomic.OrUint64(&t.ThreadInfo.Flags, TIF_SIGPENDING)
	}
}

// SetUserSigmask is Linux's set_user_sigmask, for a system call that
// sleeps with a signal mask of its own (epoll_pwait): the current
// thread's blocked mask is set for the rest of the call, and the mask it
// had is saved, to come back when the call returns. Changing the mask
// and sleeping are then one step for the program, so a signal that set
// unblocks cannot slip in between them.
//
// RestoreSigmaskUnless puts the saved mask back, unless the call was
// interrupted (it returns EINTR): then the signal that ended it is
// delivered first, with the call's mask still in force, its frame saves
// the old mask (sigmaskToSave), and the handler's rt_sigreturn restores
// it. If no handler runs, the exit path restores it
// (restoreSavedSigmask in doSignal and exitToTaskContextLoop). SYSCALL
// context.
func SetUserSigmask(set uint64) {
	s := &Current().Signal
	s.saved, s.restoreSaved = s.blocked, true
	s.blocked = set &^ unblockable
	recalcSigpending()
}

// RestoreSigmaskUnless: see SetUserSigmask.
func RestoreSigmaskUnless(interrupted bool) {
	if !interrupted {
		restoreSavedSigmask()
	}
}

// restoreSavedSigmask puts back a mask SetUserSigmask saved, if any,
// and reports whether there was one.
func restoreSavedSigmask() bool {
	s := &Current().Signal
	if !s.restoreSaved {
		return false
	}
	s.blocked, s.restoreSaved = s.saved, false
	recalcSigpending()
	return true
}

// sigmaskToSave is the mask a signal frame saves for the handler's
// return to restore (Linux's sigmask_to_save).
func sigmaskToSave(s *SigTask) uint64 {
	if s.restoreSaved {
		return s.saved
	}
	return s.blocked
}

// How rt_sigprocmask changes the mask.
const (
	SIG_BLOCK   = 0
	SIG_UNBLOCK = 1
	SIG_SETMASK = 2
)

// SigprocMask changes the current thread's blocked mask (rt_sigprocmask)
// and returns the old one; set is ignored if setIt is false.
func SigprocMask(how int, set uint64, setIt bool) (old uint64, ok bool) {
	t := Current()
	old = t.Signal.blocked
	if !setIt {
		return old, true
	}
	switch how {
	case SIG_BLOCK:
		t.Signal.blocked |= set
	case SIG_UNBLOCK:
		t.Signal.blocked &^= set
	case SIG_SETMASK:
		t.Signal.blocked = set
	default:
		return old, false
	}
	t.Signal.blocked &^= unblockable
	recalcSigpending()
	return old, true
}

// SigPending returns the current thread's pending set, blocked signals
// included (rt_sigpending).
func SigPending() uint64 {
	t := Current()
	return atomic.LoadUint64(&t.Signal.pending) | atomic.LoadUint64(&sharedPending)
}

// Blocked returns the current thread's blocked mask.
func Blocked() uint64 { return Current().Signal.blocked }

// sasSSFlags is the ss_flags sigaltstack reports for a thread at sp.
func (s *SigTask) sasSSFlags(sp uint64) int32 {
	if s.altSize == 0 {
		return SS_DISABLE
	}
	if s.onSigStack(sp) {
		return SS_ONSTACK
	}
	return 0
}

func (s *SigTask) onSigStack(sp uint64) bool {
	return s.altSize != 0 && sp > s.altSP && sp-s.altSP <= s.altSize
}

// Sigaltstack reads and changes the current thread's alternate stack.
// sp is the caller's stack pointer: a thread running on its alternate
// stack may not change it. It returns 0 or a negative errno.
func Sigaltstack(newSP, newSize uint64, newFlags int32, setIt bool, sp uint64) (oldSP, oldSize uint64, oldFlags int32, errno int64) {
	s := &Current().Signal
	oldSP, oldSize, oldFlags = s.altSP, s.altSize, s.sasSSFlags(sp)
	if !setIt {
		return
	}
	if s.onSigStack(sp) {
		return oldSP, oldSize, oldFlags, -1 // EPERM
	}
	switch {
	case newFlags == SS_DISABLE:
		s.altSP, s.altSize = 0, 0
	case newFlags != 0 && newFlags != SS_ONSTACK: // SS_ONSTACK: as 0
		return oldSP, oldSize, oldFlags, -22 // EINVAL
	case newSize < MINSIGSTKSZ:
		return oldSP, oldSize, oldFlags, -12 // ENOMEM
	default:
		s.altSP, s.altSize = newSP, newSize
	}
	return
}

// copySignalState gives a new thread its parent's blocked mask; pending
// signals and the alternate stack are not inherited (clone(2)).
func copySignalState(child, parent *Task) {
	child.Signal = SigTask{blocked: parent.Signal.blocked, origAX: -1}
}

// dequeueSignal takes the next signal for t from its own set (a
// synchronous fault first, as Linux's SYNCHRONOUS_MASK) or the process's,
// and reports its si_code. 0 means none.
func dequeueSignal(t *Task) (sig int, code int32) {
	s := &t.Signal
	if fs := int(s.fault.sig); fs != 0 && atomic.LoadUint64(&s.pending)&sigmask(fs)&^s.blocked != 0 {
		atomic.AndUint64(&s.pending, ^sigmask(fs))
		return fs, s.fault.code
	}
	for {
		own := atomic.LoadUint64(&s.pending) &^ s.blocked
		if own != 0 {
			sig = lowestSignal(own)
			if atomic.LoadUint64(&s.timer)&sigmask(sig) != 0 && atomic.LoadUint64(&s.tkill)&sigmask(sig) == 0 {
				// A timer's: taken, pending bit and all, under the
				// timers' locks; dropped if its timer no longer
				// counts it as queued (posix_cpu_timers.go).
				ti := &s.timerInfo
				var ok bool
				if ti.id, ti.overrun, ti.value, ok = dequeueTimerSignal(t, sig); ok {
					return sig, SI_TIMER
				}
				continue
			}
			atomic.AndUint64(&s.pending, ^sigmask(sig))
			if atomic.LoadUint64(&s.tkill)&sigmask(sig) != 0 {
				return sig, SI_TKILL
			}
			return sig, SI_USER
		}
		sh := sharedPendingFor(t) &^ s.blocked
		if sh == 0 {
			return 0, 0
		}
		sig = lowestSignal(sh)
		old := atomic.AndUint64(&sharedPending, ^sigmask(sig))
		if old&sigmask(sig) != 0 {
			if atomic.AndUint64(&sharedKernel, ^sigmask(sig))&sigmask(sig) != 0 {
				return sig, SI_KERNEL
			}
			return sig, SI_USER
		}
		// Another thread took it first: look again.
	}
}

func lowestSignal(set uint64) int {
	for i := 1; i < NSIG; i++ {
		if set&sigmask(i) != 0 {
			return i
		}
	}
	return 0
}
