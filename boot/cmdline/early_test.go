package cmdline

import (
	"strings"
	"testing"
)

func TestEarlyInt(t *testing.T) {
	for _, tc := range []struct {
		line string
		n    int
		ok   bool
	}{
		{"maxcpus=2", 2, true},
		{"preempt=none maxcpus=3 hz=100", 3, true},
		{"\tmaxcpus=004\n", 4, true},
		{`maxcpus="2"`, 2, true},
		{`"maxcpus=2"`, 2, true},
		{`ma"xcpus="7`, 7, true},
		{"maxcpus=", 0, false},
		{"maxcpus", 0, false},
		{"maxcpus=two", 0, false},
		{"maxcpus=-1", 0, false},
		{"xmaxcpus=2", 0, false},
		{"maxcpusx=2", 0, false},
		{"maxcpus2", 0, false},
		{"-- maxcpus=2", 0, false},
		{`"--" maxcpus=2`, 0, false},
		{"--x maxcpus=2", 2, true},
		{"maxcpus=5 maxcpus=6", 5, true},
		{"maxcpus=" + strings.Repeat("0", 40) + "2", 2, true},
		{"maxcpus=" + strings.Repeat("9", 40), 1 << 20, true},
		{"maxcpus=2\"", 2, true},
		{"", 0, false},
	} {
		n, ok := EarlyInt([]byte(tc.line), "maxcpus")
		if n != tc.n || ok != tc.ok {
			t.Errorf("EarlyInt(%q) = %d, %v; want %d, %v", tc.line, n, ok, tc.n, tc.ok)
		}
	}
}

func TestEarlyIs(t *testing.T) {
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"acpi=off", true},
		{"hz=100 acpi=off", true},
		{`acpi="off"`, true},
		{"acpi=of", false},
		{"acpi=offf", false},
		{"acpi=on", false},
		{"acpi", false},
		{"-- acpi=off", false},
	} {
		if got := EarlyIs([]byte(tc.line), "acpi", "off"); got != tc.want {
			t.Errorf("EarlyIs(%q, acpi, off) = %v; want %v", tc.line, got, tc.want)
		}
	}
}

// TestEarlyAgreesWithParse: whenever Parse accepts a line, the early
// reader sees the same maxcpus, so the CPUs started before the runtime
// match the option that Parse reports afterwards.
func TestEarlyAgreesWithParse(t *testing.T) {
	for _, line := range []string{
		"maxcpus=2", `maxcpus="3"`, `"maxcpus=1" hz=100`, "preempt=none -- maxcpus=2",
		"maxcpus=08", "hz=1000", "test.run=X maxcpus=4 -- a b",
	} {
		checkEarlyAgrees(t, line)
	}
}

func checkEarlyAgrees(t *testing.T, line string) {
	t.Helper()
	o, err := Parse(line)
	if err != nil {
		return
	}
	n, ok := EarlyInt([]byte(line), "maxcpus")
	if !ok {
		n = 0
	}
	if n != o.MaxCPUs {
		t.Errorf("line %q: early maxcpus %d, Parse %d", line, n, o.MaxCPUs)
	}
	if EarlyIs([]byte(line), "acpi", "off") != !o.ACPI {
		t.Errorf("line %q: early acpi=off %v, Parse ACPI %v", line, EarlyIs([]byte(line), "acpi", "off"), o.ACPI)
	}
}

func TestEarlyDoesNotAllocate(t *testing.T) {
	line := []byte(`preempt=full "maxcpus=3" acpi=off`)
	if n := testing.AllocsPerRun(100, func() {
		EarlyInt(line, "maxcpus")
		EarlyIs(line, "acpi", "off")
	}); n != 0 {
		t.Errorf("early readers allocate %v times per call", n)
	}
}
