package system

import (
	"strings"
	"testing"
)

// A system call from kernel context is a BUG the kernel reports itself,
// before any Go code on the kernel's stand-in g could die of it
// (kernel/syscall_from_kernel.go): a raw SYSCALL from the timer
// interrupt, and syscall.Syscall there, whose runtime half (entersyscall)
// overwrites the stand-in's stack guard first and used to end in the
// runtime's "morestack on g0". The report cannot be resumed: status 113
// under panic=exit, 112 without it (kernel/panic.go's table). The calls
// that goroutine code may make, whatever its preempt_count and interrupt
// flag, and a kthread's, are answered.
func TestSyscallFromKernelContext(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	for _, tc := range []struct {
		name, cmdline, smp string
		status             int
		want               []string
	}{
		{"raw", "panic=exit -- raw", "", statusBug, []string{
			"BUG: system call from kernel context: SYSCALL nr 39",
			"(this task's kernel stack)",
			"task: ",                // whichever task the tick interrupted: any of the runtime's threads, or the idle task
			"preempt_count=0x10000", // HARDIRQ_OFFSET: in the timer's handler
			"irqs_disabled=1",
			"calling context: hardirq",
			"linux.Syscall6", "syscall.RawSyscall", "main.main.func", "kernel.schedulerTick",
		}},
		{"raw-default", "-- raw", "", statusOops, []string{
			"BUG: system call from kernel context: SYSCALL nr 39",
			"syscall.RawSyscall",
		}},
		// The caller's frames survive on the boot stack too, which is
		// in the lower half with goroutine stacks (the entry code took
		// it for one and built the frame over them: a backtrace of one
		// line).
		{"raw-idle", "panic=exit -- raw-idle", "", statusBug, []string{
			"BUG: system call from kernel context: SYSCALL nr 39",
			"(this task's kernel stack)",
			"task: swapper pid 0 cpu 0",
			"syscall.RawSyscall", "main.main.func", "kernel.schedulerTick",
		}},
		{"raw-4cpus", "panic=exit -- raw", "4", statusBug, []string{
			"BUG: system call from kernel context: SYSCALL nr 39",
			"calling context: hardirq",
			"syscall.RawSyscall", "kernel.schedulerTick",
		}},
		{"syscall", "panic=exit -- syscall", "", statusBug, []string{
			"BUG: system call from kernel context: the Go runtime's entersyscall ran on the kernel's stand-in g",
			"found by the page fault (#PF) entry",
			"calling context: hardirq",
			"runtime.entersyscall", "syscall.Syscall", "main.main.func", "kernel.schedulerTick",
		}},
		{"legal", "panic=exit -- legal", "", 0, []string{
			"kernelsyscall: goroutine getpid 1",
			"kernelsyscall: kthread getpid 1",
			"kernelsyscall: preempt-off getpid 1",
			"kernelsyscall: irqs-off getpid 1",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := boot(t, buildKernel(t, "kernelsyscall"), bootConfig{cmdline: tc.cmdline, smp: tc.smp})
			r.wantStatus(t, tc.status)
			r.wantOutput(t, tc.want...)
			for _, bad := range []string{"morestack", "still alive", "Oops"} {
				if strings.Contains(r.output, bad) {
					t.Errorf("output has %q:\n%s", bad, r.output)
				}
			}
		})
	}
}
