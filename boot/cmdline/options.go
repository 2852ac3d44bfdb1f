package cmdline

import "strconv"

// PreemptModel is the preemption model, as set by Linux's preempt=.
type PreemptModel int

const (
	PreemptNone      PreemptModel = iota // a task runs until it blocks or yields
	PreemptVoluntary                     // it may also be switched at explicit preemption points
	PreemptFull                          // it may be switched anywhere outside a critical section
)

var preemptNames = []string{
	PreemptNone:      "none",
	PreemptVoluntary: "voluntary",
	PreemptFull:      "full",
}

func (m PreemptModel) String() string {
	if m >= 0 && int(m) < len(preemptNames) {
		return preemptNames[m]
	}
	return "PreemptModel(" + strconv.Itoa(int(m)) + ")"
}

// PanicAction is what the kernel does after it reports a fatal
// condition: an oops, or a BUG found by a debug check.
type PanicAction int

const (
	PanicDefault PanicAction = iota // an oops exits QEMU with a status; a BUG is reported and execution continues
	PanicHalt                       // an oops or a BUG stops the machine after the report, and the host is told it halted
	PanicExit                       // as PanicDefault, but every BUG also exits QEMU with a failing status
)

var panicNames = []string{
	PanicDefault: "default",
	PanicHalt:    "halt",
	PanicExit:    "exit",
}

func (a PanicAction) String() string {
	if a >= 0 && int(a) < len(panicNames) {
		return panicNames[a]
	}
	return "PanicAction(" + strconv.Itoa(int(a)) + ")"
}

// Options are the settings that the command line selects.
type Options struct {
	Preempt  PreemptModel
	LogLevel int // console messages with a level below LogLevel are printed
	Panic    PanicAction
	MaxCPUs  int // 0 = all found

	PrintFatalSignals bool // a killing signal also prints the full report

	ACPI bool // find the CPUs in the ACPI MADT (false: in the MP table)
	HZ   int  // timer ticks per second
	Demo string
	// Trace is trace=: the event classes recorded from boot, "" for none.
	Trace string

	TmpfsSize int64 // tmpfs.size= in bytes; 0: not given (half of RAM); TmpfsNoLimit: size=0

	// Argv holds the program's arguments (argv[1:]): first the
	// forwarded test.* flags in command-line order, then the words
	// after "--". It is nil when there are none.
	Argv []string

	Raw string // the command line as given to Parse
}

// Defaults returns the options of an empty command line.
func Defaults() Options {
	return Options{
		Preempt:  PreemptFull,
		LogLevel: 7,
		Panic:    PanicDefault,
		MaxCPUs:  0,
		ACPI:     true,
		HZ:       250,
		Demo:     "none",
	}
}
