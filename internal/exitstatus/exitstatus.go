// Package exitstatus is the status-byte protocol between the gopreempt
// kernel and the host tools that boot it under QEMU.
//
// QEMU is started with
//
//	-device isa-debug-exit,iobase=0xf4,iosize=0x04
//
// When the guest writes a value V to I/O port 0xf4, QEMU's isa-debug-exit
// device calls exit((V<<1)|1), so a guest report always has the low bit
// set. QEMU exits 0 when the machine shuts down or resets without a report
// (a triple fault under -no-reboot is a reset). QEMU's own fatal errors
// (bad option, unloadable kernel, KVM missing) exit with status 1, which
// collides with a guest reporting 0: see FromQEMU.
//
// A host process status is only 8 bits wide, so after the shift only
// V < 128 survives the trip; every value defined here fits.
package exitstatus

import "fmt"

// Values 0..MaxProgram are the exit code of the Go program the kernel ran
// (os.Exit's argument, e.g. go test's 0 for pass, 1 for fail, 2 for a
// usage error) and pass through to the host unchanged.
const MaxProgram = 99

// Values from 100 up are reported by the kernel itself, never by the
// program it runs.
const (
	// Oops: the CPU raised an exception while executing kernel code
	// (page fault, general protection, invalid opcode, ...), or the
	// kernel found a bug it cannot go on from (a system call from kernel
	// context, kernel code using AVX) with panic= unset.
	Oops = 112

	// Bug: a kernel debug check fired and the command line asked for
	// panic=exit instead of going on, or the kernel found one of its own
	// structures corrupt (a double free, a broken list), whatever
	// panic= says.
	Bug = 113

	// OutOfMemory: the kernel could not satisfy an allocation it cannot
	// fail (e.g. while building page tables or growing the heap).
	OutOfMemory = 114

	// BadCmdline: the kernel command line could not be parsed.
	BadCmdline = 115

	// Halted: panic=halt stopped the machine after an oops or a BUG
	// report. The kernel writes it just before it halts, so a host that
	// has the debug-exit device learns at once that the machine stopped.
	Halted = 116

	// TooLittleMemory: the machine has less RAM than the kernel needs to
	// boot at all (its image and what the boot and the Go runtime's start
	// need). Distinct from OutOfMemory, which is a running kernel whose
	// program used up the memory it had.
	TooLittleMemory = 117

	// FatalSignal: the program was killed by a signal whose default
	// action terminates (an unhandled SIGTERM, a fault whose handler
	// could not run). The console line before it names the signal.
	FatalSignal = 118
)

// Max is the largest value that survives QEMU's (V<<1)|1 encoding in an
// 8-bit process exit status.
const Max = 127

// Describe returns a one-line human explanation of status value v as
// reported by the kernel.
func Describe(v int) string {
	switch {
	case v == 0:
		return "program exited successfully (status 0)"
	case v > 0 && v <= MaxProgram:
		return fmt.Sprintf("program exited with status %d", v)
	case v == Oops:
		return fmt.Sprintf("kernel oops: a CPU exception in kernel code, or a kernel BUG it cannot go on from (status %d)", v)
	case v == Bug:
		return fmt.Sprintf("kernel BUG: a debug check fired under panic=exit, or kernel data found corrupt (status %d)", v)
	case v == OutOfMemory:
		return fmt.Sprintf("kernel out of memory (status %d)", v)
	case v == BadCmdline:
		return fmt.Sprintf("malformed kernel command line (status %d)", v)
	case v == Halted:
		return fmt.Sprintf("kernel halted: panic=halt stopped it after a report (status %d)", v)
	case v == TooLittleMemory:
		return fmt.Sprintf("too little RAM for the kernel to boot (status %d)", v)
	case v == FatalSignal:
		return fmt.Sprintf("program killed by a signal (status %d)", v)
	case v > MaxProgram && v <= Max:
		return fmt.Sprintf("unknown kernel status %d", v)
	default:
		return fmt.Sprintf("invalid status %d (outside 0..%d)", v, Max)
	}
}

// FromQEMU decodes QEMU's process exit status. If the guest wrote V to the
// debug-exit port, QEMU exited with (V<<1)|1 and FromQEMU returns (V, true).
// An even status means the guest never reported: 0 for a shutdown, reset
// or triple fault under -no-reboot, anything else for an abnormal QEMU
// exit. FromQEMU then returns (0, false).
//
// Status 1 decodes as a report of 0, but QEMU also exits 1 on its own
// fatal errors. The status alone cannot separate the two; a caller that
// must (a test runner that would otherwise count a QEMU failure as a pass)
// has to look at QEMU's stderr as well, since error_report() writes there
// and a guest report prints nothing.
func FromQEMU(status int) (v int, reported bool) {
	if status < 0 || status&1 == 0 {
		return 0, false
	}
	return status >> 1, true
}
