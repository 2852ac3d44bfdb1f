package linux

import (
	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// Threads: clone creates a task (the runtime's newosproc: a new M), exit
// ends one, exit_group ends the machine. The runtime passes its new
// thread's stack and, with CLONE_SETTLS, the FS base that holds the new
// M's TLS (m.tls, with g at -8).
const (
	CLONE_VM             = 0x100
	CLONE_SETTLS         = 0x80000
	CLONE_PARENT_SETTID  = 0x100000
	CLONE_CHILD_CLEARTID = 0x200000
	CLONE_CHILD_SETTID   = 0x1000000

	ARCH_SET_GS = 0x1001
	ARCH_SET_FS = 0x1002
	ARCH_GET_FS = 0x1003
	ARCH_GET_GS = 0x1004
)

func sysClone(f *amd64.TrapFrame) int64 {
	flags, stack, ptid, ctid, tls := f.RDI, uintptr(f.RSI), uintptr(f.RDX), uintptr(f.R10), uintptr(f.R8)
	if flags&CLONE_VM == 0 {
		return -EINVAL // no fork: there is one address space
	}
	t := kernel.CopyThread(f, stack, flags&CLONE_SETTLS != 0, tls)
	if t == nil {
		return -ENOMEM
	}
	if flags&CLONE_PARENT_SETTID != 0 && ptid != 0 {
		putUser32(ptid, uint32(t.Pid)) // Linux ignores a fault here too
	}
	if flags&CLONE_CHILD_SETTID != 0 && ctid != 0 {
		putUser32(ctid, uint32(t.Pid))
	}
	if flags&CLONE_CHILD_CLEARTID != 0 {
		t.ClearChildTID = ctid
	}
	kernel.WakeUpNewTask(t)
	return int64(t.Pid)
}

func sysExit(f *amd64.TrapFrame) int64 {
	t := kernel.Current()
	if t.ClearChildTID != 0 {
		// What the runtime's thread exit waits for (man 2 set_tid_address).
		putUser32(t.ClearChildTID, 0) // a bad address is ignored, as Linux's mm_release
		FutexWake(t.ClearChildTID, 1, FUTEX_BITSET_MATCH_ANY)
	}
	kernel.DoExit(int32(f.RDI))
	return 0
}

// sysExitGroup ends the program, and with it the machine: its status is
// the result of the run (go test's 0 or 1), reported through QEMU.
func sysExitGroup(f *amd64.TrapFrame) int64 {
	code := int(int32(f.RDI))
	if code < 0 || code > 99 {
		code = 99
	}
	kernel.Pr(kernel.KERN_INFO).S("gopreempt: program exited with status ").I(int64(code)).Emit()
	kernel.CheckExitPreemptCount(code)
	kernel.PowerOff(code)
	return 0
}

func sysGettid(f *amd64.TrapFrame) int64 { return int64(kernel.Current().Pid) }

// getpid: all tasks are threads of one process, whose id is the first
// thread's.
func sysGetpid(f *amd64.TrapFrame) int64 { return 1 }

func sysSetTidAddress(f *amd64.TrapFrame) int64 {
	t := kernel.Current()
	t.ClearChildTID = uintptr(f.RDI)
	return int64(t.Pid)
}

// sched_yield: the caller gives up the CPU but stays runnable.
func sysSchedYield(f *amd64.TrapFrame) int64 {
	kernel.SetCurrentState(kernel.TASK_RUNNING)
	kernel.Schedule()
	return 0
}

// sysSchedule is schedule() reached from task context (kernel.Schedule
// and kernel.ScheduleTimeout on a goroutine): as a system call, so that
// the runtime hands the P on. RDI is ns+1 for schedule_timeout(ns), 0
// for none; the result is 1 if the timeout expired.
func sysSchedule(f *amd64.TrapFrame) int64 {
	if f.RDI != 0 {
		if kernel.ScheduleTimeout(int64(f.RDI - 1)) {
			return 1
		}
		return 0
	}
	kernel.Schedule()
	return 0
}

// sched_getaffinity: every online CPU. The runtime sizes GOMAXPROCS by it.
func sysSchedGetaffinity(f *amd64.TrapFrame) int64 {
	size, mask := int(f.RSI), uintptr(f.RDX)
	if size < 8 {
		return -EINVAL
	}
	n := kernel.OnlineCPUs()
	var bits uint64
	for i := 0; i < n && i < 64; i++ {
		bits |= 1 << i
	}
	b, ok := userSlice(mask, size, true)
	if !ok {
		return -EFAULT
	}
	for i := range b {
		b[i] = 0
	}
	*userU64(mask) = bits
	return 8
}

// sched_setaffinity for the calling thread (pid 0 or its own thread id):
// it runs only on the online CPUs of the first 64 bits of the mask, and
// moves before the call returns if its CPU is not among them. Other
// threads' affinity is not settable (-ESRCH); the runtime never asks.
func sysSchedSetaffinity(f *amd64.TrapFrame) int64 {
	pid, size, mask := int32(f.RDI), int(f.RSI), uintptr(f.RDX)
	t := kernel.Current()
	if pid != 0 && pid != t.Pid {
		return -ESRCH
	}
	if size < 8 {
		return -EINVAL
	}
	if _, ok := userSlice(mask, 8, false); !ok {
		return -EFAULT
	}
	bits := *userU64(mask) & (1<<uint(kernel.OnlineCPUs()) - 1)
	if bits == 0 {
		return -EINVAL
	}
	kernel.SetCPUsAllowed(t, bits)
	return 0
}

// arch_prctl(ARCH_SET_FS): the runtime's settls. The FS base goes in the
// frame, from which the exit path loads it.
func sysArchPrctl(f *amd64.TrapFrame) int64 {
	switch f.RDI {
	case ARCH_SET_FS:
		f.FSBase = f.RSI
		return 0
	case ARCH_GET_FS:
		if !putUser64(uintptr(f.RSI), f.FSBase) {
			return -EFAULT
		}
		return 0
	case ARCH_SET_GS, ARCH_GET_GS:
		// GS base belongs to the kernel: it points at this CPU's
		// per-CPU area (percpu), not at anything of the thread's.
		return -EINVAL
	}
	return -EINVAL
}
