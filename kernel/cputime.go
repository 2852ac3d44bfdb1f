package kernel

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
)

// CPU time: how long each task has run, and the process (every task but
// the idle ones) in all. It is the clock of CLOCK_THREAD_CPUTIME_ID and
// CLOCK_PROCESS_CPUTIME_ID, and the clock the profiling timers expire by
// (posix_cpu_timers.go).
//
// Linux keeps it as sum_exec_runtime, advanced by update_curr() at every
// tick and every switch from the scheduler clock, and adds each delta to
// the thread group's cputimer as well (account_group_exec_runtime). The
// same is done here with Nanotime: contextSwitch charges prev the time
// since it was switched in, the tick charges the running task the time
// since the last charge. Everything runs in one mode, so there is no
// user/system split: the CPU time is the time a task spent running,
// whatever it ran (Go code, a system call, an interrupt that hit it).
//
// Races: only the CPU a task runs on writes its CPU time, with interrupts
// off (the switch holds the run-queue lock, the tick is hardirq). Another
// CPU reading a running task's time reads the last charge, at most a tick
// old. The process total is one atomic counter, so a thread that exits
// keeps its part in it.
//
// Hardirq context or interrupts off; no allocation.

// cpuTime is a task's CPU time (in the task struct).
type cpuTime struct {
	sum   uint64 // ns charged
	since uint64 // Nanotime of the last charge or switch-in, while running
}

// processCPUTime is the CPU time of every task but the idle ones, ns.
var processCPUTime atomic.Uint64

// accountCPUTime charges the running task t the time since its last
// charge.
//
//go:nosplit
func accountCPUTime(t *Task, now uint64) {
	c := &t.cputime
	if now <= c.since {
		return
	}
	d := now - c.since
	c.since = now
	if t.kind == taskIdle {
		return
	}
	c.sum += d
	processCPUTime.Add(d)
}

// cputimeSwitch charges prev up to now and starts next's clock. The
// run-queue lock is held, interrupts are off.
//
//go:nosplit
func cputimeSwitch(prev, next *Task, now uint64) {
	accountCPUTime(prev, now)
	next.cputime.since = now
}

// TaskCPUTime returns t's CPU time in ns; for the current task it is
// exact to this moment.
func TaskCPUTime(t *Task) uint64 {
	if t != Current() {
		return t.cputime.sum
	}
	fl := amd64.IrqSave()
	accountCPUTime(t, Nanotime())
	s := t.cputime.sum
	amd64.IrqRestore(fl)
	return s
}

// ProcessCPUTime returns the process's CPU time in ns, exact for the
// calling thread and within a tick for the others.
func ProcessCPUTime() uint64 {
	fl := amd64.IrqSave()
	accountCPUTime(Current(), Nanotime())
	s := processCPUTime.Load()
	amd64.IrqRestore(fl)
	return s
}
