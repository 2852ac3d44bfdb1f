package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/internal/exitstatus"
)

// Leaving QEMU. The test harness and `make run` start QEMU with an
// isa-debug-exit device at port 0xf4: a byte V written there ends QEMU with
// exit status (V<<1)|1 (see internal/exitstatus). That is how a test run's
// result, an oops or a failing BUG check reaches the host.
const debugExitPort = 0xf4

// PowerOff ends the machine with status v. If no debug-exit device is
// present the write does nothing and the CPU halts for good. A report
// ends through PanicEnd (panic.go), which chooses the status; PowerOff
// itself is for the end the program asked for (exit_group). Either way
// it first takes the report lock for good (oops_lock.go): a report that
// another CPU is printing is finished before the machine ends, and none
// starts after.
func PowerOff(v int) {
	oopsLockForEnd()
	traceDrainAtExit()
	amd64.Outb(debugExitPort, uint8(v))
	amd64.HaltForever()
}

// Statuses reported by the kernel itself.
const (
	StatusOops        = exitstatus.Oops
	StatusBug         = exitstatus.Bug
	StatusOutOfMemory = exitstatus.OutOfMemory
	StatusBadCmdline  = exitstatus.BadCmdline
	StatusHalted      = exitstatus.Halted

	StatusTooLittleMemory = exitstatus.TooLittleMemory
	StatusFatalSignal     = exitstatus.FatalSignal
)
