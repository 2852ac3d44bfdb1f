package kernel

import "syscall"

// Sleeping from task context. Go code on a goroutine (a kthread, a test)
// must not call schedule() directly: the Go runtime would not know that
// the thread is blocked and could not give its P to another thread, and
// a stop-the-world would wait for it (DESIGN: voluntary sleeps reach the
// kernel as system calls). So the sleeps below are system calls private
// to this kernel (linux/table.go), which call schedule() or
// schedule_timeout() in kernel context.

// System calls private to this kernel (see linux/table.go).
const (
	sysSchedule = 500 // schedule(); with an argument, schedule_timeout(ns)
	sysMsleep   = 501
)

// ScheduleFromTask is schedule() for task context: through a system call,
// so that the Go runtime hands the thread's P on while the task sleeps.
func ScheduleFromTask() {
	syscall.Syscall(sysSchedule, 0, 0, 0)
}

// scheduleTimeoutFromTask is schedule_timeout(ns) for task context (ns > 0).
func scheduleTimeoutFromTask(ns int64) {
	syscall.Syscall(sysSchedule, uintptr(ns), 0, 0)
}

// Msleep sleeps for at least ms milliseconds, uninterruptibly, on the
// kernel's timer (Linux's msleep: schedule_timeout_uninterruptible). It
// may sleep, so calling it in atomic context is reported (might_sleep).
func Msleep(ms int) {
	MightSleep()
	syscall.Syscall(sysMsleep, uintptr(ms), 0, 0)
}

// ScheduleDirect calls schedule() on the kernel stack without telling the
// Go runtime (no system call). It exists for the debugging demos and
// tests that need to call schedule() in a context where a system call
// would change what is being shown (for example with interrupts off).
func ScheduleDirect() { callSchedule() }
