package kernel

import "strconv"

// The panic= policy: what the machine does once a report is printed.
//
// Every path that reports a condition the kernel cannot go on from (an
// oops, a corrupt kernel structure, an exhausted allocator, a program
// killed by a signal, a boot that cannot finish), and every BUG report,
// ends in PanicEnd with the kind of report it printed. PanicEnd alone
// reads the panic= option and decides: exit QEMU with the report's
// status (internal/exitstatus), halt the machine and tell the host so,
// or, for a BUG the kernel can survive, go on. Linux splits the same
// decision between oops_end(), panic() and the panic_on_* sysctls; here
// it is one table:
//
//	report                panic unset   panic=exit    panic=halt
//	EndOops               exit 112      exit 112      halt (116)
//	EndBug                go on         exit 113      halt (116)
//	EndBugUnresumable     exit 112      exit 113      halt (116)
//	EndCorruption         exit 113      exit 113      halt (116)
//	EndNestedOops         exit 112      exit 112      exit 112
//	EndOutOfMemory        exit 114      exit 114      exit 114
//	EndBadCmdline         exit 115      exit 115      exit 115
//	EndTooLittleMemory    exit 117      exit 117      exit 117
//	EndFatalSignal        exit 118      exit 118      exit 118
//
// panic=halt is for looking at a kernel that went wrong, so it stops the
// machine after a kernel bug; a program that ran out of memory or was
// killed, or a boot that was given too little, is no kernel bug and ends
// with its status under every setting. A report reaches PanicEnd with
// the report lock held (oops_lock.go), and PowerOff keeps it: unless a
// wait for the lock timed out, the first CPU to end the machine is the
// only one, as Linux's panic_cpu lets one CPU through panic(). An oops
// while an oops is being reported exits at once: printing may be what
// failed, and halting prints a line.
//
// Any context: no allocation.

// PanicAction says what a fatal report does (panic= on the command line).
type PanicAction int

const (
	PanicDefault PanicAction = iota // oops: exit QEMU; BUG: report, continue
	PanicHalt                       // stop the machine after the report
	PanicExit                       // also make every BUG exit QEMU
)

var panicActionNames = [...]string{
	PanicDefault: "default",
	PanicHalt:    "halt",
	PanicExit:    "exit",
}

// String is the action's name on the command line (panic=; "default"
// when it is unset).
func (a PanicAction) String() string {
	if a >= 0 && int(a) < len(panicActionNames) {
		return panicActionNames[a]
	}
	return "PanicAction(" + strconv.Itoa(int(a)) + ")"
}

// Panic is the active panic action, set from the command line at boot.
var Panic = PanicDefault

// Ending names the kind of report that has just been printed: a row of
// the table above.
type Ending int

const (
	EndOops            Ending = iota // a CPU exception in kernel code (oops.go)
	EndBug                           // a debug check fired; the kernel can go on (debug.go, stall.go)
	EndBugUnresumable                // a BUG at an instruction that cannot be resumed (fpu's AVX report)
	EndCorruption                    // a kernel structure is corrupt: going on would spread it
	EndNestedOops                    // an oops while reporting an oops
	EndOutOfMemory                   // no memory for something the kernel cannot do without
	EndBadCmdline                    // the command line is malformed or too long
	EndTooLittleMemory               // the machine has less RAM than the kernel needs to boot
	EndFatalSignal                   // the program was killed by a signal (signal_fatal.go)
	numEndings
)

// goOn is a status that means "return to the caller".
const goOn = -1

// endings is the table: the status under panic unset and under
// panic=exit, and whether panic=halt halts instead.
var endings = [numEndings]struct {
	status, exitStatus int
	halts              bool
}{
	EndOops:            {StatusOops, StatusOops, true},
	EndBug:             {goOn, StatusBug, true},
	EndBugUnresumable:  {StatusOops, StatusBug, true},
	EndCorruption:      {StatusBug, StatusBug, true},
	EndNestedOops:      {StatusOops, StatusOops, false},
	EndOutOfMemory:     {StatusOutOfMemory, StatusOutOfMemory, false},
	EndBadCmdline:      {StatusBadCmdline, StatusBadCmdline, false},
	EndTooLittleMemory: {StatusTooLittleMemory, StatusTooLittleMemory, false},
	EndFatalSignal:     {StatusFatalSignal, StatusFatalSignal, false},
}

// PanicEnd ends the machine after a report of kind e, as panic= says. It
// returns only for an EndBug the kernel may go on from.
func PanicEnd(e Ending) {
	r := endings[e]
	if Panic == PanicHalt && r.halts {
		halt()
	}
	status := r.status
	if Panic == PanicExit {
		status = r.exitStatus
	}
	if status == goOn {
		return
	}
	PowerOff(status)
}

// KernelPanic is Linux's panic() for a condition found outside an
// exception: it prints msg and v, and a backtrace, and ends the machine
// as a corrupt kernel structure does. mm reports through it (mm.Fatal).
func KernelPanic(msg string, v uint64) {
	oopsBegin() // held until the end of the machine
	Pr(KERN_EMERG).S("Kernel panic: ").S(msg).S(" ").X(v).Emit()
	DumpStack()
	PanicEnd(EndCorruption)
}

// halt is panic=halt's end: it tells the host that the kernel stopped
// on purpose (exitstatus.Halted), then stops this CPU for good. Under
// qemurun and qemu.sh the debug-exit device turns the write into QEMU's
// exit, so a test run or a script sees "halted" at once instead of
// waiting for its timeout. A QEMU started without the device (qemu.sh
// with QEMU_DEBUG_EXIT=off) ignores the write, and the stopped machine
// stays for inspection in the QEMU monitor.
func halt() {
	Pr(KERN_EMERG).S("System halted (panic=halt).").Emit()
	PowerOff(StatusHalted)
}
