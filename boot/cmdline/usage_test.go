package cmdline

import (
	"strings"
	"testing"
)

func TestUsage(t *testing.T) {
	u := Usage()
	if !strings.HasSuffix(u, "\n") || strings.Count(u, "\n") < len(options)*2 {
		t.Errorf("Usage() is not multi-line text:\n%s", u)
	}
	// Each option's syntax line, listing its values, and its default.
	for _, want := range []string{
		"preempt=none|voluntary|full",
		"loglevel=0..7",
		"panic=halt|exit",
		"maxcpus=1..64",
		"hz=100|250|300|1000",
		"demo=percpu|none",
		"test.NAME[=VALUE]",
		"-- ARG",
		"default: full",
		"default: 7",
		"default: unset",
		"default: all CPUs found",
		"default: 250",
		"default: none",
		`"A B"`, // quoting is documented
	} {
		if !strings.Contains(u, want) {
			t.Errorf("Usage() lacks %q:\n%s", want, u)
		}
	}
	// Every option in the table is documented at the start of a line.
	for _, opt := range options {
		if !strings.Contains(u, "\n  "+opt.name+"=") {
			t.Errorf("Usage() does not document %s", opt.name)
		}
	}
}

// The table's default strings, which Usage shows, must agree with
// Defaults: setting an option to its documented default changes
// nothing. (panic, maxcpus and acpi have defaults with no spelling.)
func TestTableDefaults(t *testing.T) {
	spelled := 0
	for _, opt := range options {
		o := Defaults()
		if !opt.set(&o, opt.def) {
			continue
		}
		spelled++
		if d := Defaults(); o.Preempt != d.Preempt || o.LogLevel != d.LogLevel || o.Panic != d.Panic ||
			o.MaxCPUs != d.MaxCPUs || o.ACPI != d.ACPI || o.HZ != d.HZ || o.Demo != d.Demo {
			t.Errorf("%s=%s gives %+v, want Defaults %+v", opt.name, opt.def, o, d)
		}
		// And Format shows the default as documented.
		if !strings.Contains(" "+Defaults().Format()+" ", " "+opt.name+"="+opt.def+" ") {
			t.Errorf("Defaults().Format() = %q lacks %s=%s", Defaults().Format(), opt.name, opt.def)
		}
	}
	if spelled != 4 {
		t.Errorf("%d options have a spelled default, want 4 (preempt, loglevel, hz, demo)", spelled)
	}
}
