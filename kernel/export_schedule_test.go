package kernel

// ScheduleOnKernelStack calls schedule() on the kernel stack without a
// system call and without PREEMPT_ACTIVE, for the debug checks' tests
// (debug_test.go): a system call would change what is being shown, for
// example by running the handler with interrupts on.
func ScheduleOnKernelStack() { scheduleOnKernelStack() }
