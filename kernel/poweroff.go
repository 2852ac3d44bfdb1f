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
// present the write does nothing and the CPU halts for good.
func PowerOff(v int) {
	traceDrainAtExit()
	amd64.Outb(debugExitPort, uint8(v))
	amd64.HaltForever()
}

// Halt is panic=halt's end: it tells the host that the kernel stopped
// on purpose (exitstatus.Halted), then stops this CPU for good. Under
// qemurun and qemu.sh the debug-exit device turns the write into QEMU's
// exit, so a test run or a script sees "halted" at once instead of
// waiting for its timeout. A QEMU started without the device (qemu.sh
// with QEMU_DEBUG_EXIT=off) ignores the write, and the stopped machine
// stays for inspection in the QEMU monitor.
func Halt() {
	Pr(KERN_EMERG).S("System halted (panic=halt).").Emit()
	PowerOff(StatusHalted)
}

// Statuses reported by the kernel itself.
const (
	StatusOops        = exitstatus.Oops
	StatusBug         = exitstatus.Bug
	StatusOutOfMemory = exitstatus.OutOfMemory
	StatusBadCmdline  = exitstatus.BadCmdline
	StatusHalted      = exitstatus.Halted

	StatusTooLittleMemory = exitstatus.TooLittleMemory
)
