package linux

import (
	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// Timers and clocks of CPU time: setitimer and getitimer for ITIMER_PROF
// and ITIMER_VIRTUAL, timer_create and the calls on its timers for the
// CPU-time clocks, and the CPU clocks' readings for clock_gettime. The
// timers themselves are the kernel's (kernel/posix_cpu_timers.go); these
// calls decode Linux's structures and clock ids.
//
// A CPU clock id is CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID or
// a negative number that Linux's MAKE_PROCESS_CPUCLOCK and
// MAKE_THREAD_CPUCLOCK build (include/linux/posix-timers.h): ~pid << 3,
// bit 2 for a thread, the low two bits PROF, VIRT or SCHED. All three are
// the same time here, where everything runs in one mode. pid 0 is the
// caller. Timers on the wall clocks (CLOCK_REALTIME, CLOCK_MONOTONIC,
// CLOCK_BOOTTIME) and ITIMER_REAL are kernel/posix_timers.go's; their ids
// follow the CPU timers', and the calls below pass each id to its kind.

const (
	cpuclockPerthread = 4
	cpuclockWhichMask = 3
	cpuclockMax       = 3 // PROF 0, VIRT 1, SCHED 2
)

// cpuClock decodes a CPU clock id: the thread whose CPU time it is, with
// a reference (drop it with kernel.PutTaskStruct), or nil and process
// true for the process's. ok is false for any other clock.
func cpuClock(clk int32) (t *kernel.Task, process, ok bool) {
	switch {
	case clk == CLOCK_PROCESS_CPUTIME_ID:
		return nil, true, true
	case clk == CLOCK_THREAD_CPUTIME_ID:
		t = kernel.Current()
		kernel.GetTaskStruct(t)
		return t, false, true
	case clk >= 0 || clk&cpuclockWhichMask == cpuclockMax:
		return nil, false, false
	}
	pid := ^(clk >> 3)
	if clk&cpuclockPerthread == 0 {
		return nil, true, pid == 0 || pid == 1 // the one process is pid 1
	}
	if pid == 0 {
		t = kernel.Current()
		kernel.GetTaskStruct(t)
		return t, false, true
	}
	t = kernel.FindTask(pid)
	return t, false, t != nil
}

// cpuClockNow reads a CPU clock for clock_gettime.
func cpuClockNow(clk int32) (int64, bool) {
	t, process, ok := cpuClock(clk)
	if !ok {
		return 0, false
	}
	if process {
		return int64(kernel.ProcessCPUTime()), true
	}
	ns := kernel.TaskCPUTime(t)
	kernel.PutTaskStruct(t)
	return int64(ns), true
}

func timespecNs(ts *timespec) (uint64, bool) {
	if ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1e9 {
		return 0, false
	}
	return uint64(ts.Sec)*1e9 + uint64(ts.Nsec), true
}

func setTimespec(ts *timespec, ns uint64) { ts.Sec, ts.Nsec = int64(ns/1e9), int64(ns%1e9) }

// struct sigevent: sigev_value (8), sigev_signo (int), sigev_notify
// (int), then the union whose first int is the thread id of
// SIGEV_THREAD_ID.

// timer_create(clockid, sevp, timerid).
func sysTimerCreate(f *amd64.TrapFrame) int64 {
	clk, sevp, idp := int32(f.RDI), uintptr(f.RSI), uintptr(f.RDX)
	if sevp != 0 && !accessOK(sevp, 20, false) || !accessOK(idp, 4, true) {
		return -EFAULT // uaccess.go
	}
	wall := clk == CLOCK_REALTIME || clk == CLOCK_MONOTONIC || clk == CLOCK_BOOTTIME
	var clock *kernel.Task
	if !wall {
		var ok bool
		if clock, _, ok = cpuClock(clk); !ok {
			return -EINVAL
		}
		if clock != nil {
			defer kernel.PutTaskStruct(clock)
		}
	}
	notify, signo := int32(kernel.SIGEV_SIGNAL), int32(kernel.SIGALRM)
	var value uint64
	var target *kernel.Task
	if sevp != 0 {
		value, signo, notify = *userU64(sevp), int32(*userU32(sevp + 8)), int32(*userU32(sevp + 12))
		switch notify {
		case kernel.SIGEV_NONE:
		case kernel.SIGEV_SIGNAL, kernel.SIGEV_THREAD_ID:
			if !validSignal(uint64(signo)) {
				return -EINVAL
			}
		default:
			return -EINVAL
		}
		if notify == kernel.SIGEV_THREAD_ID {
			if target = kernel.FindTask(int32(*userU32(sevp + 16))); target == nil {
				return -EINVAL
			}
			defer kernel.PutTaskStruct(target)
		}
	}
	var id int32
	if wall {
		id = kernel.PosixTimerCreate(clk, notify, signo, target, value)
	} else {
		id = kernel.TimerCreate(clock, notify, signo, target, value)
	}
	if id < 0 {
		return -EAGAIN
	}
	if sevp == 0 { // sigev_value defaults to the id
		if wall {
			kernel.PosixTimerSetValue(id, uint64(id))
		} else {
			kernel.TimerSetValue(id, uint64(id))
		}
	}
	*userU32(idp) = uint32(id)
	return 0
}

// timer_settime(timerid, flags, new, old): struct itimerspec is
// {it_interval, it_value}.
func sysTimerSettime(f *amd64.TrapFrame) int64 {
	id, flags, nv, ov := int32(f.RDI), f.RSI, uintptr(f.RDX), uintptr(f.R10)
	if !accessOK(nv, 32, false) || ov != 0 && !accessOK(ov, 32, true) {
		return -EFAULT
	}
	interval, ok1 := timespecNs(userTimespec(nv))
	value, ok2 := timespecNs(userTimespec(nv + 16))
	if !ok1 || !ok2 {
		return -EINVAL
	}
	settime := kernel.TimerSettime
	if kernel.IsPosixTimer(id) {
		settime = kernel.PosixTimerSettime
	}
	oldValue, oldInterval, ok := settime(id, flags&TIMER_ABSTIME != 0, value, interval)
	if !ok {
		return -EINVAL
	}
	if ov != 0 {
		setTimespec(userTimespec(ov), oldInterval)
		setTimespec(userTimespec(ov+16), oldValue)
	}
	return 0
}

func sysTimerGettime(f *amd64.TrapFrame) int64 {
	if !accessOK(uintptr(f.RSI), 32, true) {
		return -EFAULT
	}
	gettime := kernel.TimerGettime
	if kernel.IsPosixTimer(int32(f.RDI)) {
		gettime = kernel.PosixTimerGettime
	}
	value, interval, ok := gettime(int32(f.RDI))
	if !ok {
		return -EINVAL
	}
	setTimespec(userTimespec(uintptr(f.RSI)), interval)
	setTimespec(userTimespec(uintptr(f.RSI)+16), value)
	return 0
}

func sysTimerGetoverrun(f *amd64.TrapFrame) int64 {
	getoverrun := kernel.TimerGetoverrun
	if kernel.IsPosixTimer(int32(f.RDI)) {
		getoverrun = kernel.PosixTimerGetoverrun
	}
	n, ok := getoverrun(int32(f.RDI))
	if !ok {
		return -EINVAL
	}
	return int64(n)
}

func sysTimerDelete(f *amd64.TrapFrame) int64 {
	del := kernel.TimerDelete
	if kernel.IsPosixTimer(int32(f.RDI)) {
		del = kernel.PosixTimerDelete
	}
	if !del(int32(f.RDI)) {
		return -EINVAL
	}
	return 0
}

// struct itimerval is {it_interval, it_value}, each a timeval (seconds,
// microseconds).

func timevalNs(p uintptr) (uint64, bool) {
	sec, usec := int64(*userU64(p)), int64(*userU64(p + 8))
	if sec < 0 || usec < 0 || usec >= 1e6 {
		return 0, false
	}
	return uint64(sec)*1e9 + uint64(usec)*1e3, true
}

func setTimeval(p uintptr, ns uint64) {
	// Round up, as Linux does, so that a pending timer never reads 0.
	us := (ns + 999) / 1e3
	*userU64(p), *userU64(p + 8) = us/1e6, us%1e6
}

// setitimer(which, new, old). ITIMER_REAL (SIGALRM by wall time) is an
// hrtimer (kernel/posix_timers.go), the others run on CPU time.
func sysSetitimer(f *amd64.TrapFrame) int64 {
	which, nv, ov := f.RDI, uintptr(f.RSI), uintptr(f.RDX)
	if which > kernel.ITIMER_PROF {
		return -EINVAL
	}
	if nv != 0 && !accessOK(nv, 32, false) || ov != 0 && !accessOK(ov, 32, true) {
		return -EFAULT
	}
	var value, interval uint64
	if nv != 0 {
		var ok1, ok2 bool
		interval, ok1 = timevalNs(nv)
		value, ok2 = timevalNs(nv + 16)
		if !ok1 || !ok2 {
			return -EINVAL
		}
	}
	var oldValue, oldInterval uint64
	if which == kernel.ITIMER_REAL {
		oldValue, oldInterval = kernel.SetItimerReal(value, interval)
	} else {
		oldValue, oldInterval = kernel.SetItimer(int(which), value, interval)
	}
	if ov != 0 {
		setTimeval(ov, oldInterval)
		setTimeval(ov+16, oldValue)
	}
	return 0
}

func sysGetitimer(f *amd64.TrapFrame) int64 {
	which, p := f.RDI, uintptr(f.RSI)
	if which > kernel.ITIMER_PROF {
		return -EINVAL
	}
	if !accessOK(p, 32, true) {
		return -EFAULT
	}
	var value, interval uint64
	if which == kernel.ITIMER_REAL {
		value, interval = kernel.GetItimerReal()
	} else {
		value, interval = kernel.GetItimer(int(which))
	}
	setTimeval(p, interval)
	setTimeval(p+16, value)
	return 0
}

// alarm(seconds): ITIMER_REAL for that many seconds, one-shot (0
// cancels). It returns the seconds that were left, rounded to the
// nearest and at least 1 while the old alarm was pending, as Linux's
// alarm_setitimer.
func sysAlarm(f *amd64.TrapFrame) int64 {
	oldValue, _ := kernel.SetItimerReal(uint64(uint32(f.RDI))*1e9, 0)
	if oldValue == 0 {
		return 0
	}
	return int64(max((oldValue+5e8)/1e9, 1))
}
