package cmdline

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"gopreempt/kernel"
)

// parseTests are command lines that Parse accepts. edit turns Defaults
// into the wanted options (Raw is filled in by the test).
var parseTests = []struct {
	line string
	edit func(o *Options)
}{
	// Empty lines and white space.
	{"", func(o *Options) {}},
	{"   ", func(o *Options) {}},
	{" \t \n", func(o *Options) {}},

	// Each option and value.
	{"preempt=none", func(o *Options) { o.Preempt = kernel.PreemptNone }},
	{"preempt=voluntary", func(o *Options) { o.Preempt = kernel.PreemptVoluntary }},
	{"preempt=full", func(o *Options) { o.Preempt = kernel.PreemptFull }},
	{"loglevel=0", func(o *Options) { o.LogLevel = 0 }},
	{"loglevel=3", func(o *Options) { o.LogLevel = 3 }},
	{"loglevel=7", func(o *Options) { o.LogLevel = 7 }},
	{"loglevel=004", func(o *Options) { o.LogLevel = 4 }},
	{"panic=halt", func(o *Options) { o.Panic = kernel.PanicHalt }},
	{"panic=exit", func(o *Options) { o.Panic = kernel.PanicExit }},
	{"maxcpus=1", func(o *Options) { o.MaxCPUs = 1 }},
	{"maxcpus=64", func(o *Options) { o.MaxCPUs = 64 }},
	{"acpi=off", func(o *Options) { o.ACPI = false }},
	{"hz=100", func(o *Options) { o.HZ = 100 }},
	{"hz=250", func(o *Options) { o.HZ = 250 }},
	{"hz=300", func(o *Options) { o.HZ = 300 }},
	{"hz=1000", func(o *Options) { o.HZ = 1000 }},
	{"demo=percpu", func(o *Options) { o.Demo = "percpu" }},
	{"demo=none", func(o *Options) { o.Demo = "none" }},

	// All together, with assorted white space.
	{"\t preempt=voluntary  loglevel=2\tpanic=exit\t\tmaxcpus=4 hz=1000 demo=percpu \r\n", func(o *Options) {
		*o = Options{Preempt: kernel.PreemptVoluntary, LogLevel: 2, Panic: kernel.PanicExit, MaxCPUs: 4, ACPI: true, HZ: 1000, Demo: "percpu"}
	}},

	// Forwarded test flags, in command-line order, ahead of "--".
	{"test.run=TestNesting test.v", func(o *Options) { o.Argv = []string{"-test.run=TestNesting", "-test.v"} }},
	{"test.v test.run=TestNesting", func(o *Options) { o.Argv = []string{"-test.v", "-test.run=TestNesting"} }},
	{"test.v -- -test.count=1 x", func(o *Options) { o.Argv = []string{"-test.v", "-test.count=1", "x"} }},
	{"-- x test.b=1", func(o *Options) { o.Argv = []string{"x", "test.b=1"} }},
	{"test.b=2 preempt=none test.a=1 -- y", func(o *Options) {
		o.Preempt = kernel.PreemptNone
		o.Argv = []string{"-test.b=2", "-test.a=1", "y"}
	}},
	{"test.run=a=b", func(o *Options) { o.Argv = []string{"-test.run=a=b"} }},
	{"test.run=", func(o *Options) { o.Argv = []string{"-test.run="} }},
	{"test.x.y_Z9=1 test.x=2", func(o *Options) { o.Argv = []string{"-test.x.y_Z9=1", "-test.x=2"} }},

	// "--": later words are never options, and may repeat or be "--".
	{"--", func(o *Options) {}},
	{"-- ", func(o *Options) {}},
	{"-- preempt=x", func(o *Options) { o.Argv = []string{"preempt=x"} }},
	{"preempt=none -- preempt=none -- -- =x bogus", func(o *Options) {
		o.Preempt = kernel.PreemptNone
		o.Argv = []string{"preempt=none", "--", "--", "=x", "bogus"}
	}},
	{"--\t-test.v=true   -test.run=X\t", func(o *Options) { o.Argv = []string{"-test.v=true", "-test.run=X"} }},

	// Quoting.
	{`test.run="A B"`, func(o *Options) { o.Argv = []string{"-test.run=A B"} }},
	{`"test.run=A B"`, func(o *Options) { o.Argv = []string{"-test.run=A B"} }},
	{`test.run=A" "B`, func(o *Options) { o.Argv = []string{"-test.run=A B"} }},
	{`test.run=""`, func(o *Options) { o.Argv = []string{"-test.run="} }},
	{`preempt="none" "hz"=100`, func(o *Options) { o.Preempt = kernel.PreemptNone; o.HZ = 100 }},
	{`"--" preempt=none`, func(o *Options) { o.Argv = []string{"preempt=none"} }},
	{`-- "a b" "" c`, func(o *Options) { o.Argv = []string{"a b", "", "c"} }},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		got, err := Parse(tt.line)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.line, err)
			continue
		}
		want := Defaults()
		tt.edit(&want)
		want.Raw = tt.line
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q)\n got  %+v\n want %+v", tt.line, got, want)
		}
	}
}

// parseErrorTests are command lines that Parse rejects. The error must
// name word exactly, and its Reason must contain every one of reason.
var parseErrorTests = []struct {
	line   string
	word   string
	reason []string
}{
	// Missing values.
	{"preempt", "preempt", []string{"needs a value", "none|voluntary|full"}},
	{"preempt=", "preempt=", []string{"needs a value", "none|voluntary|full"}},
	{`preempt=""`, `preempt=""`, []string{"needs a value"}},
	{"loglevel", "loglevel", []string{"needs a value", "0..7"}},
	{"panic=", "panic=", []string{"needs a value", "halt|exit"}},
	{"maxcpus", "maxcpus", []string{"needs a value", "1..64"}},
	{"hz", "hz", []string{"needs a value", "100|250|300|1000"}},
	{"demo=", "demo=", []string{"needs a value", "percpu|none"}},

	// Bad values list what is accepted.
	{"preempt=sometimes", "preempt=sometimes", []string{`"sometimes"`, "none", "voluntary", "full"}},
	{"preempt=FULL", "preempt=FULL", []string{"none", "voluntary", "full"}},
	{"loglevel=8", "loglevel=8", []string{`"8"`, "0..7"}},
	{"loglevel=-1", "loglevel=-1", []string{"0..7"}},
	{"loglevel=+3", "loglevel=+3", []string{"0..7"}},
	{"loglevel=3x", "loglevel=3x", []string{"0..7"}},
	{"loglevel=0x3", "loglevel=0x3", []string{"0..7"}},
	{"loglevel= 3", "loglevel=", []string{"needs a value"}},
	{"panic=reboot", "panic=reboot", []string{"halt", "exit"}},
	{"maxcpus=0", "maxcpus=0", []string{"1..64"}},
	{"maxcpus=65", "maxcpus=65", []string{"1..64"}},
	{"acpi=on", "acpi=on", []string{"off"}},
	{"maxcpus=18446744073709551617", "maxcpus=18446744073709551617", []string{"1..64"}},
	{"hz=200", "hz=200", []string{"100", "250", "300", "1000"}},
	{"hz=0250", "hz=0250", []string{"100", "250", "300", "1000"}},
	{"demo=smp", "demo=smp", []string{"percpu", "none"}},
	{"preempt=full=x", "preempt=full=x", []string{`"full=x"`}},

	// Repeats name the option; the second word is the offender.
	{"preempt=full preempt=full", "preempt=full", []string{"preempt", "more than once"}},
	{"hz=100 loglevel=3 hz=300", "hz=300", []string{"hz", "more than once", `"hz=100"`}},
	{"demo demo=none", "demo", []string{"needs a value"}},
	{"test.v test.v=true", "test.v=true", []string{"test.v", "more than once"}},

	// Unknown options, with a suggestion when one is close.
	{"premept=full", "premept=full", []string{`"premept"`, `did you mean "preempt"`}},
	{"preemp=full", "preemp=full", []string{`did you mean "preempt"`}},
	{"PREEMPT=full", "PREEMPT=full", []string{`did you mean "preempt"`}},
	{"logleve=3", "logleve=3", []string{`did you mean "loglevel"`}},
	{"maxcpu=2", "maxcpu=2", []string{`did you mean "maxcpus"`}},
	{"hzz=100", "hzz=100", []string{`did you mean "hz"`}},
	{"dmeo=none", "dmeo=none", []string{`did you mean "demo"`}},
	{"tset.run=X", "tset.run=X", []string{`did you mean "test.run"`}},
	{"test", "test", []string{`did you mean "test.NAME"`}},
	{"hz=100 nosmp", "nosmp", []string{`unknown option "nosmp"`}},
	{"-test.v", "-test.v", []string{`unknown option "-test.v"`}},

	// No name.
	{"=x", "=x", []string{"no option name"}},
	{"=", "=", []string{"no option name"}},
	{`""`, `""`, []string{"no option name"}},

	// Bad test flag names.
	{"test.", "test.", []string{"test.NAME"}},
	{"test.=1", "test.=1", []string{"test.NAME"}},
	{"test.a-b", "test.a-b", []string{"letters, digits"}},
	{`"test.a b"`, `"test.a b"`, []string{"letters, digits"}},

	// Quotes.
	{`test.run="A B`, `test.run="A B`, []string{"unterminated"}},
	{`preempt=none -- "x`, `"x`, []string{"unterminated"}},

	// The first bad word is the one reported.
	{"preempt=bad hz=1", "preempt=bad", []string{"preempt"}},
	{"preempt=none  bogus  hz=1", "bogus", []string{"bogus"}},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range parseErrorTests {
		got, err := Parse(tt.line)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q): err = %v, want *Error", tt.line, err)
			continue
		}
		if e.Word != tt.word {
			t.Errorf("Parse(%q): Word = %q, want %q", tt.line, e.Word, tt.word)
		}
		for _, r := range tt.reason {
			if !strings.Contains(e.Reason, r) {
				t.Errorf("Parse(%q): Reason %q does not contain %q", tt.line, e.Reason, r)
			}
		}
		msg := e.Error()
		if strings.ContainsAny(msg, "\n\r") || !strings.HasPrefix(msg, "cmdline: ") || !strings.Contains(msg, e.Reason) {
			t.Errorf("Parse(%q): Error() = %q, want one line holding the reason", tt.line, msg)
		}
		want := Defaults()
		want.Raw = tt.line
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q) returned %+v with its error, want Defaults with Raw", tt.line, got)
		}
	}
}

// An unknown word far from every option gets no suggestion.
func TestParseNoSuggestion(t *testing.T) {
	for _, line := range []string{"frobnicate=1", "x", "ab=1", "quiet", "console=ttyS0"} {
		_, err := Parse(line)
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Reason, "unknown option") {
			t.Errorf("Parse(%q): err = %v, want unknown option", line, err)
			continue
		}
		if strings.Contains(e.Reason, "did you mean") {
			t.Errorf("Parse(%q): Reason %q suggests something", line, e.Reason)
		}
	}
}

func TestDefaults(t *testing.T) {
	want := Options{Preempt: kernel.PreemptFull, LogLevel: 7, Panic: kernel.PanicDefault, MaxCPUs: 0, ACPI: true, HZ: 250, Demo: "none"}
	if got := Defaults(); !reflect.DeepEqual(got, want) {
		t.Errorf("Defaults() = %+v, want %+v", got, want)
	}
	// Parse must not hand out a shared Argv that a later call could
	// change.
	a, _ := Parse("test.v")
	b, _ := Parse("test.x")
	if a.Argv[0] != "-test.v" || b.Argv[0] != "-test.x" {
		t.Errorf("Argv shared between calls: %q %q", a.Argv, b.Argv)
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{kernel.PreemptNone.String(), "none"},
		{kernel.PreemptVoluntary.String(), "voluntary"},
		{kernel.PreemptFull.String(), "full"},
		{kernel.PreemptModel(3).String(), "PreemptModel(3)"},
		{kernel.PreemptModel(-1).String(), "PreemptModel(-1)"},
		{kernel.PanicDefault.String(), "default"},
		{kernel.PanicHalt.String(), "halt"},
		{kernel.PanicExit.String(), "exit"},
		{kernel.PanicAction(9).String(), "PanicAction(9)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("String() = %q, want %q", tt.got, tt.want)
		}
	}
}
