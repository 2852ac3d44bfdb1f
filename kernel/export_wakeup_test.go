package kernel

// CPU state for the cross-CPU wake-up tests (wakeup_ipi_test.go).

// CPURunsIdle reports whether CPU cpu's current task is its idle task
// (read without the lock: the test polls it as a precondition).
func CPURunsIdle(cpu int) bool {
	c := cpuRQ(cpu).curr.ptr()
	return c != nil && c.kind == taskIdle
}

// SmpSendReschedule sends CPU cpu a reschedule IPI (smp_ipi.go), for
// the tracer's test of the send's interrupts-off section.
var SmpSendReschedule = smpSendReschedule
