package cmdline

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopreempt/kernel"
)

// FuzzParse checks that Parse never panics, that a rejected line gives
// a proper one-line *Error and Defaults, and that an accepted line
// gives valid options that survive Format and Parse unchanged.
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.line)
	}
	for _, tt := range parseErrorTests {
		f.Add(tt.line)
	}
	f.Add(`test.run="A B" test.v -- "x y" preempt=z`)
	f.Add("\x00preempt=\xff")

	f.Fuzz(func(t *testing.T, line string) {
		o, err := Parse(line)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q): error %T, want *Error", line, err)
			}
			if msg := e.Error(); strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("Parse(%q): Error() spans lines: %q", line, msg)
			}
			if !strings.Contains(line, e.Word) {
				t.Fatalf("Parse(%q): Word %q is not from the line", line, e.Word)
			}
			want := Defaults()
			want.Raw = line
			if !reflect.DeepEqual(o, want) {
				t.Fatalf("Parse(%q) failed but returned %+v", line, o)
			}
			return
		}

		checkEarlyAgrees(t, line)
		if o.Raw != line {
			t.Fatalf("Parse(%q).Raw = %q", line, o.Raw)
		}
		if o.Preempt < kernel.PreemptNone || o.Preempt > kernel.PreemptFull ||
			o.LogLevel < 0 || o.LogLevel > 7 ||
			o.Panic < kernel.PanicDefault || o.Panic > kernel.PanicExit ||
			o.MaxCPUs < 0 || o.MaxCPUs > 64 ||
			!slices.Contains(hzRates, o.HZ) ||
			!slices.Contains(demoNames, o.Demo) {
			t.Fatalf("Parse(%q) accepted invalid options %+v", line, o)
		}
		if o.Argv != nil && len(o.Argv) == 0 {
			t.Fatalf("Parse(%q): empty non-nil Argv", line)
		}
		for _, a := range o.Argv {
			if strings.Contains(a, `"`) {
				t.Fatalf("Parse(%q): argument %q kept a quote", line, a)
			}
		}
		checkRoundTrip(t, o)
	})
}
