package cmdline

import "gopreempt/kernel"

// Options are the settings that the command line selects. The preemption
// model and the panic action are the kernel's own types, which boot
// stores in kernel.Model and kernel.Panic as they are.
type Options struct {
	Preempt  kernel.PreemptModel // preempt=
	LogLevel int                 // console messages with a level below LogLevel are printed
	Panic    kernel.PanicAction  // panic=
	MaxCPUs  int                 // 0 = all found

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
		Preempt:  kernel.PreemptFull,
		LogLevel: 7,
		Panic:    kernel.PanicDefault,
		MaxCPUs:  0,
		ACPI:     true,
		HZ:       250,
		Demo:     "none",
	}
}
