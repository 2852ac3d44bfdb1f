package cmdline

import (
	"reflect"
	"testing"

	"gopreempt/kernel"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		edit func(o *Options)
		want string
	}{
		{func(o *Options) {}, "preempt=full loglevel=7 hz=250 demo=none"},
		{func(o *Options) {
			*o = Options{Preempt: kernel.PreemptNone, LogLevel: 0, Panic: kernel.PanicHalt, MaxCPUs: 2, ACPI: true, HZ: 100, Demo: "percpu"}
		}, "preempt=none loglevel=0 panic=halt maxcpus=2 hz=100 demo=percpu"},
		{func(o *Options) { o.ACPI = false }, "preempt=full loglevel=7 acpi=off hz=250 demo=none"},
		{func(o *Options) { o.Panic = kernel.PanicExit }, "preempt=full loglevel=7 panic=exit hz=250 demo=none"},
		{func(o *Options) { o.Argv = []string{"-test.v", "x"} }, "preempt=full loglevel=7 hz=250 demo=none -- -test.v x"},
		{func(o *Options) { o.Argv = []string{"-test.run=A B", "", "a\tb", "--"} },
			"preempt=full loglevel=7 hz=250 demo=none -- \"-test.run=A B\" \"\" \"a\tb\" --"},
		{func(o *Options) { o.Argv = []string{} }, "preempt=full loglevel=7 hz=250 demo=none"},
		// Raw plays no part.
		{func(o *Options) { o.Raw = "hz=1000" }, "preempt=full loglevel=7 hz=250 demo=none"},
		// Values Parse would reject are still shown, not hidden.
		{func(o *Options) { o.Preempt = 7; o.HZ = 5; o.Demo = "" },
			`preempt=PreemptModel(7) loglevel=7 hz=5 demo=""`},
	}
	for _, tt := range tests {
		o := Defaults()
		tt.edit(&o)
		if got := o.Format(); got != tt.want {
			t.Errorf("Format(%+v)\n got  %q\n want %q", o, got, tt.want)
		}
	}
}

// Every line Parse accepts formats to a line that parses back to the
// same options and formats the same again.
func TestFormatRoundTrip(t *testing.T) {
	for _, tt := range parseTests {
		o, err := Parse(tt.line)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.line, err)
		}
		checkRoundTrip(t, o)
	}
}

func checkRoundTrip(t *testing.T, o Options) {
	t.Helper()
	f := o.Format()
	back, err := Parse(f)
	if err != nil {
		t.Fatalf("Parse(%q) of Format of Parse(%q): %v", f, o.Raw, err)
	}
	if back.Raw != f {
		t.Errorf("Parse(%q).Raw = %q", f, back.Raw)
	}
	back.Raw = o.Raw
	if !reflect.DeepEqual(back, o) {
		t.Errorf("round trip of %q through %q\n got  %+v\n want %+v", o.Raw, f, back, o)
	}
	if again := back.Format(); again != f {
		t.Errorf("Format not stable: %q then %q", f, again)
	}
}
