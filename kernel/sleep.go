package kernel

import "syscall"

// Sleeping from task context. Go code on a goroutine (a kthread, a test)
// must not call schedule() directly to sleep: the Go runtime would not
// know that the thread is blocked and could not give its P to another
// thread, and a stop-the-world would wait for it (DESIGN: voluntary
// sleeps reach the kernel as system calls). So Schedule,
// ScheduleTimeout and Msleep, called in task context, enter the kernel
// through the system calls below, private to this kernel
// (linux/table.go), whose handlers call schedule() or
// schedule_timeout() in kernel context.
//
// A preemption is the other way from task context into schedule(): the
// task stays runnable, the runtime need not know, and the switch to the
// kernel stack is a plain call (scheduleOnKernelStack,
// preempt_schedule.go).

// System calls private to this kernel (see linux/table.go).
const (
	sysSchedule = 500 // schedule(); with an argument ns+1, schedule_timeout(ns)
	sysMsleep   = 501
)

// scheduleFromTask is ScheduleTimeout in task context: the system call
// carries ns+1, or 0 for no timeout (ns < 0), and returns 1 if the
// timeout expired.
func scheduleFromTask(ns int64) bool {
	arg := uintptr(0)
	if ns >= 0 {
		arg = uintptr(ns) + 1
	}
	r, _, _ := syscall.Syscall(sysSchedule, arg, 0, 0)
	return r == 1
}

// Msleep sleeps for at least ms milliseconds, uninterruptibly, on the
// kernel's timer (Linux's msleep: schedule_timeout_uninterruptible).
// Task context only. It may sleep, so calling it in atomic context is
// reported (might_sleep).
func Msleep(ms int) {
	MightSleep()
	syscall.Syscall(sysMsleep, uintptr(ms), 0, 0)
}
