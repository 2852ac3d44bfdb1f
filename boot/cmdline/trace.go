package cmdline

import (
	"slices"
	"strings"
)

// trace= names the event classes the tracer records from boot (package
// trace; docs/tracing.md): "all", or class names joined by commas. The
// names are checked here, so that a misspelt class is a bad command line
// and not a silently empty trace.
var traceClasses = []string{"sched", "preempt", "irq", "fpu", "signal", "syscall"}

func traceValue(set func(o *Options, v string)) value {
	return value{
		syntax: "all|CLASS[,CLASS...]",
		want:   "all, or a comma-separated list of " + strings.Join(traceClasses, ", "),
		set: func(o *Options, v string) bool {
			if v != "all" {
				for _, w := range strings.Split(v, ",") {
					if !slices.Contains(traceClasses, w) {
						return false
					}
				}
			}
			set(o, v)
			return true
		},
	}
}
