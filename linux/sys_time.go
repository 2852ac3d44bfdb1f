package linux

import (
	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// Time: clock_gettime (the runtime's nanotime and walltime; there is no
// vDSO, so every time.Now() comes here), nanosleep (the runtime's usleep).
const (
	CLOCK_REALTIME           = 0
	CLOCK_MONOTONIC          = 1
	CLOCK_PROCESS_CPUTIME_ID = 2
	CLOCK_THREAD_CPUTIME_ID  = 3
	CLOCK_MONOTONIC_RAW      = 4
	CLOCK_REALTIME_COARSE    = 5
	CLOCK_MONOTONIC_COARSE   = 6
	CLOCK_BOOTTIME           = 7

	TIMER_ABSTIME = 1
)

func clockNow(clk uint64) (int64, bool) {
	switch clk {
	case CLOCK_REALTIME, CLOCK_REALTIME_COARSE:
		return kernel.Realtime(), true
	case CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME:
		return int64(kernel.Nanotime()), true
	}
	return cpuClockNow(int32(clk)) // sys_cpu_timers.go
}

func sysClockGettime(f *amd64.TrapFrame) int64 {
	ns, ok := clockNow(f.RDI)
	if !ok {
		return -EINVAL
	}
	if !putTimespec(uintptr(f.RSI), timespec{ns / 1e9, ns % 1e9}) {
		return -EFAULT
	}
	return 0
}

func sysClockGetres(f *amd64.TrapFrame) int64 {
	if f.RSI != 0 && !putTimespec(uintptr(f.RSI), timespec{0, 1}) {
		return -EFAULT
	}
	return 0
}

func sysNanosleep(f *amd64.TrapFrame) int64 {
	ts, ok := getTimespec(uintptr(f.RDI))
	if !ok {
		return -EFAULT
	}
	if ts.Nsec < 0 || ts.Nsec >= 1e9 || ts.Sec < 0 {
		return -EINVAL
	}
	return sleepUntil(kernel.Nanotime()+uint64(ts.Sec)*1e9+uint64(ts.Nsec), kernel.TASK_INTERRUPTIBLE)
}

func sysClockNanosleep(f *amd64.TrapFrame) int64 {
	ts, ok := getTimespec(uintptr(f.RDX))
	if !ok {
		return -EFAULT
	}
	if ts.Nsec < 0 || ts.Nsec >= 1e9 || ts.Sec < 0 {
		return -EINVAL // as nanosleep: timespec64_valid
	}
	ns := uint64(ts.Sec)*1e9 + uint64(ts.Nsec)
	if f.RSI&TIMER_ABSTIME != 0 {
		now, ok := clockNow(f.RDI)
		if !ok {
			return -EINVAL
		}
		if int64(ns) <= now {
			return 0
		}
		ns -= uint64(now)
	}
	return sleepUntil(kernel.Nanotime()+ns, kernel.TASK_INTERRUPTIBLE)
}

// sleepUntil blocks the calling task until the monotonic clock reaches
// deadline. An interruptible sleep ends early for a signal, with the
// code Linux's nanosleep returns (-EINTR once the handler has run; the
// remaining time is not reported). Other wake-ups go back to sleep.
func sleepUntil(deadline uint64, state int32) int64 {
	for {
		now := kernel.Nanotime()
		if now >= deadline {
			return 0
		}
		if state == kernel.TASK_INTERRUPTIBLE && kernel.SignalPending() {
			return -kernel.ERESTART_RESTARTBLOCK
		}
		kernel.SetCurrentState(state)
		kernel.ScheduleTimeout(int64(deadline - now))
	}
}

// sysMsleep is this kernel's msleep as a system call: kthreads sleep
// through it so that the Go runtime knows the thread is blocked and hands
// its P to another thread (entersyscall). A signal (the runtime's SIGURG)
// does not shorten it: the call is restarted after the handler with the
// milliseconds that were left, as Linux restarts a sleep through its
// restart block.
func sysMsleep(f *amd64.TrapFrame) int64 {
	deadline := kernel.Nanotime() + f.RDI*1e6
	if r := sleepUntil(deadline, kernel.TASK_INTERRUPTIBLE); r != 0 {
		if now := kernel.Nanotime(); now < deadline {
			f.RDI = (deadline - now + 1e6 - 1) / 1e6
		} else {
			f.RDI = 0
		}
		return -kernel.ERESTARTNOINTR
	}
	return 0
}
