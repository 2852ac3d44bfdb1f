package signals_test

import (
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"unsafe"

	"gopreempt/kernel"
	"gopreempt/linux"
	"gopreempt/signals"
)

// epoll_pwait's signal mask (Linux's set_user_sigmask): the mask is
// changed and the call sleeps in one step. A signal the call's mask lets
// through ends the wait with EINTR, and its handler runs with the call's
// mask in force; after the handler's return the thread's own mask is
// back. A signal the call's mask blocks leaves the sleep alone and is
// delivered as the call returns, when the thread's mask comes back.

type epollEvent struct {
	events uint32
	data   [2]uint32
}

func epollPwaitMask(ep int, evs []epollEvent, msec int, mask *uint64, size uintptr) (int, syscall.Errno) {
	r, _, e := syscall.Syscall6(syscall.SYS_EPOLL_PWAIT, uintptr(ep), uintptr(unsafe.Pointer(&evs[0])),
		uintptr(len(evs)), uintptr(msec), uintptr(unsafe.Pointer(mask)), size)
	return int(r), e
}

// sigprocmask is rt_sigprocmask(how, set, &old).
func sigprocmask(how int, set uint64) (old uint64) {
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, uintptr(how), uintptr(unsafe.Pointer(&set)),
		uintptr(unsafe.Pointer(&old)), 8, 0, 0)
	return old
}

func TestEpollPwaitSigmask(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(ep)
	efd, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if e != 0 {
		t.Fatal(e)
	}
	defer syscall.Close(int(efd))
	ev := epollEvent{events: syscall.EPOLLIN}
	if _, _, e := syscall.Syscall6(syscall.SYS_EPOLL_CTL, uintptr(ep), syscall.EPOLL_CTL_ADD, efd,
		uintptr(unsafe.Pointer(&ev)), 0, 0); e != 0 {
		t.Fatal(e)
	}
	usr2, winch := bit(syscall.SIGUSR2), bit(syscall.SIGWINCH)
	var evs [2]epollEvent

	// SA_ONSTACK: the handler's frame goes on the thread's alternate
	// stack. Without it, it would go below the goroutine's stack
	// pointer, past the end of a small goroutine stack and over the
	// next one: seen as the collector failing to unwind a parked
	// goroutine whose stack top was overwritten.
	withRawHandler(t, saOnstack, 0, func() {
		// The thread blocks SIGUSR2 and has one pending.
		old := sigprocmask(0 /* SIG_BLOCK */, usr2)
		defer sigprocmask(2 /* SIG_SETMASK */, old)
		own := old | usr2
		n := atomic.LoadUint64(&signals.RawCount)
		selfSIGUSR2()
		if atomic.LoadUint64(&signals.RawCount) != n {
			t.Fatal("SIGUSR2 delivered while blocked")
		}

		bad := own &^ usr2
		if _, e := epollPwaitMask(ep, evs[:], 0, &bad, 4); e != syscall.EINVAL {
			t.Fatalf("epoll_pwait with a 4-byte sigset: %v, want EINVAL", e)
		}
		if _, _, e := syscall.Syscall6(syscall.SYS_EPOLL_PWAIT, uintptr(ep), uintptr(unsafe.Pointer(&evs[0])),
			1, 0, 8, 8); e != syscall.EFAULT {
			t.Fatalf("epoll_pwait with an unmapped sigset: %v, want EFAULT", e)
		}
		if atomic.LoadUint64(&signals.RawCount) != n {
			t.Fatal("a refused epoll_pwait delivered the blocked SIGUSR2")
		}

		// The call's mask lets SIGUSR2 through and blocks SIGWINCH:
		// EINTR without sleeping (the wait has no timeout), the
		// handler sees the call's mask, and the thread's is back.
		call := own&^usr2 | winch
		if k, e := epollPwaitMask(ep, evs[:], -1, &call, 8); e != syscall.EINTR {
			t.Fatalf("epoll_pwait whose mask unblocks a pending signal: %d, %v; want EINTR", k, e)
		}
		if got := atomic.LoadUint64(&signals.RawCount) - n; got != 1 {
			t.Fatalf("the handler ran %d times, want 1", got)
		}
		if m := signals.RawMask; m&winch == 0 || m&usr2 == 0 {
			t.Errorf("blocked in the handler %#x: want the call's mask (SIGWINCH %#x) and the signal (%#x)", m, winch, usr2)
		}
		if m := blockedMask(); m != own {
			t.Errorf("blocked after epoll_pwait %#x, want the thread's own %#x", m, own)
		}
	})

	withRawHandler(t, saOnstack, 0, func() {
		// Now the thread takes SIGUSR2 and the call's mask blocks it.
		old := sigprocmask(1 /* SIG_UNBLOCK */, usr2)
		defer sigprocmask(2 /* SIG_SETMASK */, old)
		own := old &^ usr2
		// SIGURG too: the runtime's preemption signal would end the
		// wait with EINTR, as on Linux.
		call := own | usr2 | bit(syscall.SIGURG)
		task := kernel.Current()
		pid, tid := syscall.Getpid(), syscall.Gettid()
		n := atomic.LoadUint64(&signals.RawCount)
		sent := make(chan bool)
		go func() {
			// Asleep in this thread's epoll_pwait: not in a runtime
			// futex on the way there, where the signal would be
			// taken at once (the runtime's own netpoller may be the
			// poll waiter counted).
			for task.InSyscall() != syscall.SYS_EPOLL_PWAIT || linux.PollWaiters() == 0 {
				runtime.Gosched()
			}
			waitAsleep(t, task)
			syscall.RawSyscall(syscall.SYS_TGKILL, uintptr(pid), uintptr(tid), uintptr(syscall.SIGUSR2))
			early := atomic.LoadUint64(&signals.RawCount) != n
			one := []byte{1, 0, 0, 0, 0, 0, 0, 0}
			syscall.Write(int(efd), one)
			sent <- early
		}()
		k, e := epollPwaitMask(ep, evs[:], -1, &call, 8)
		ran := atomic.LoadUint64(&signals.RawCount) - n
		if <-sent {
			t.Fatal("SIGUSR2 was delivered while the call's mask blocked it")
		}
		if k != 1 || e != 0 {
			t.Fatalf("epoll_pwait ended by the eventfd: %d, %v; want 1 event (the blocked signal must not end it)", k, e)
		}
		if ran != 1 {
			t.Errorf("the handler ran %d times by the call's return, want 1: the thread's mask lets SIGUSR2 through again", ran)
		}
		if m := blockedMask(); m != own {
			t.Errorf("blocked after epoll_pwait %#x, want the thread's own %#x", m, own)
		}
		var b [8]byte
		syscall.Read(int(efd), b[:])
	})
}
