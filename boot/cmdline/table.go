package cmdline

import (
	"slices"
	"strconv"
	"strings"

	"gopreempt/kernel"
)

// An option describes one NAME=VALUE option. Every option takes a
// value. The test.* flags and "--" have no fixed name and are handled
// by Parse itself.
type option struct {
	name string
	value
	def  string   // the default, as Usage shows it
	help []string // what the option does, one Usage line each
	// get returns the value that Format prints. If ok is false,
	// Format leaves the option out: its setting has no spelling
	// (panic unset, all CPUs).
	get func(o *Options) (v string, ok bool)
}

// A value describes the values that an option accepts.
type value struct {
	syntax string // for Usage, e.g. "none|voluntary|full" or "0..7"
	want   string // for errors, e.g. "one of none, voluntary, full"
	// set stores v in o. It returns false, and leaves o alone, when v
	// is not accepted.
	set func(o *Options, v string) bool
}

var (
	preemptModels = []kernel.PreemptModel{kernel.PreemptNone, kernel.PreemptVoluntary, kernel.PreemptFull}
	preemptNames  = []string{kernel.PreemptNone.String(), kernel.PreemptVoluntary.String(), kernel.PreemptFull.String()}

	hzRates   = []int{100, 250, 300, 1000}
	demoNames = []string{"percpu", "none", "latency"}
)

// options lists the options in the order that Format prints them and
// Usage documents them.
var options = []option{
	{
		name:  "preempt",
		value: choice(preemptNames, func(o *Options, i int) { o.Preempt = preemptModels[i] }),
		def:   kernel.PreemptFull.String(),
		help:  []string{"preemption model, as Linux's preempt="},
		get:   func(o *Options) (string, bool) { return o.Preempt.String(), true },
	},
	{
		name:  "loglevel",
		value: intRange(0, 7, func(o *Options, n int) { o.LogLevel = n }),
		def:   "7",
		help:  []string{"console log level N, as Linux's: messages with a level below N are printed"},
		get:   func(o *Options) (string, bool) { return strconv.Itoa(o.LogLevel), true },
	},
	{
		name: "panic",
		value: choice([]string{"halt", "exit"}, func(o *Options, i int) {
			o.Panic = []kernel.PanicAction{kernel.PanicHalt, kernel.PanicExit}[i]
		}),
		def: "unset",
		help: []string{
			"what a fatal condition does:",
			"unset: an oops exits QEMU with a status; a BUG is reported and execution continues",
			"exit:  as unset, and every BUG also exits QEMU with a failing status",
			"halt:  an oops or a BUG stops the machine after the report and tells the host it halted (status 116)",
		},
		get: func(o *Options) (string, bool) { return o.Panic.String(), o.Panic != kernel.PanicDefault },
	},
	{
		name:  "print-fatal-signals",
		value: intRange(0, 1, func(o *Options, n int) { o.PrintFatalSignals = n == 1 }),
		def:   "off",
		help:  []string{"1: a signal that kills the program also prints an oops-style report, as Linux's option"},
		get:   func(o *Options) (string, bool) { return "1", o.PrintFatalSignals },
	},
	{
		name:  "maxcpus",
		value: intRange(1, 64, func(o *Options, n int) { o.MaxCPUs = n }),
		def:   "all CPUs found",
		help:  []string{"bring at most this many CPUs online"},
		get:   func(o *Options) (string, bool) { return strconv.Itoa(o.MaxCPUs), o.MaxCPUs != 0 },
	},
	{
		name:  "acpi",
		value: choice([]string{"off"}, func(o *Options, _ int) { o.ACPI = false }),
		def:   "use the ACPI MADT",
		help: []string{
			"off: find the CPUs in the MP table (MultiProcessor Specification 1.4)",
			"instead of the ACPI MADT, as on a machine without ACPI",
		},
		get: func(o *Options) (string, bool) { return "off", !o.ACPI },
	},
	{
		name:  "hz",
		value: choice(itoas(hzRates), func(o *Options, i int) { o.HZ = hzRates[i] }),
		def:   "250",
		help:  []string{"timer ticks per second"},
		get:   func(o *Options) (string, bool) { return strconv.Itoa(o.HZ), true },
	},
	{
		name:  "demo",
		value: choice(demoNames, func(o *Options, i int) { o.Demo = demoNames[i] }),
		def:   "none",
		help:  []string{"the demo that make run starts"},
		get:   func(o *Options) (string, bool) { return o.Demo, true },
	},
	{
		name:  "trace",
		value: traceValue(func(o *Options, v string) { o.Trace = v }),
		def:   "off",
		help:  []string{"record these event classes from boot and write the trace to the second serial port at power-off (docs/tracing.md)"},
		get:   func(o *Options) (string, bool) { return o.Trace, o.Trace != "" },
	},
	{
		name:  "tmpfs.size",
		value: byteSize(func(o *Options, n int64) { o.TmpfsSize = n }),
		def:   "half of RAM",
		help:  []string{"the size limit of the file system (tmpfs) at /, as Linux's tmpfs size=; 0: no limit"},
		get:   tmpfsSizeString,
	},
}

// lookup returns the option called name, or nil.
func lookup(name string) *option {
	for i := range options {
		if options[i].name == name {
			return &options[i]
		}
	}
	return nil
}

// choice accepts exactly one of names. It passes set the index of the
// chosen name.
func choice(names []string, set func(o *Options, i int)) value {
	return value{
		syntax: strings.Join(names, "|"),
		want:   "one of " + strings.Join(names, ", "),
		set: func(o *Options, v string) bool {
			i := slices.Index(names, v)
			if i < 0 {
				return false
			}
			set(o, i)
			return true
		},
	}
}

// intRange accepts a decimal integer in lo..hi.
func intRange(lo, hi int, set func(o *Options, n int)) value {
	syntax := strconv.Itoa(lo) + ".." + strconv.Itoa(hi)
	return value{
		syntax: syntax,
		want:   "an integer in " + syntax,
		set: func(o *Options, v string) bool {
			n, ok := atoi(v)
			if !ok || n < lo || n > hi {
				return false
			}
			set(o, n)
			return true
		},
	}
}

// atoi parses unsigned decimal digits. Unlike strconv.Atoi it refuses
// a sign: "+7" for 7 is not worth a second spelling. Leading zeros are
// allowed, as Linux allows them. Values past the limit stick at it, so
// a long run of digits cannot wrap around into the accepted range.
func atoi(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = min(n*10+int(c-'0'), atoiLimit)
	}
	return n, true
}

// atoiLimit is where atoi and EarlyInt stop counting: far above any
// option's range.
const atoiLimit = 1 << 20

func itoas(ns []int) []string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return s
}
