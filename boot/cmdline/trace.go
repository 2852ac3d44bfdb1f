package cmdline

import (
	"strings"

	"gopreempt/trace"
)

// trace= names the event classes the tracer records from boot (package
// trace; docs/tracing.md): "all", or class names joined by commas. The
// names are the tracer's own, checked here, so that a misspelt class is
// a bad command line and not a silently empty trace.
func traceValue(set func(o *Options, v string)) value {
	return value{
		syntax: "all|CLASS[,CLASS...]",
		want:   "all, or a comma-separated list of " + strings.Join(trace.ClassNames(), ", "),
		set: func(o *Options, v string) bool {
			if v != "all" {
				for _, w := range strings.Split(v, ",") {
					if _, ok := trace.ParseClasses(w); !ok || w == "all" {
						return false
					}
				}
			}
			set(o, v)
			return true
		},
	}
}
