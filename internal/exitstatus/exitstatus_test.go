package exitstatus

import (
	"strings"
	"testing"
)

func TestFromQEMU(t *testing.T) {
	cases := []struct {
		status   int
		v        int
		reported bool
	}{
		{0, 0, false},  // reset / triple fault under -no-reboot
		{1, 0, true},   // guest wrote 0 (or QEMU failed: see doc)
		{3, 1, true},   // go test failure
		{5, 2, true},   // go test usage error
		{85, 42, true}, // arbitrary program status
		{225, Oops, true},
		{227, Bug, true},
		{229, OutOfMemory, true},
		{231, BadCmdline, true},
		{233, Halted, true},
		{235, TooLittleMemory, true},
		{237, FatalSignal, true},
		{255, Max, true},
		{2, 0, false},
		{-1, 0, false}, // killed by a signal (os.ProcessState.ExitCode)
	}
	for _, c := range cases {
		v, ok := FromQEMU(c.status)
		if v != c.v || ok != c.reported {
			t.Errorf("FromQEMU(%d) = %d, %v; want %d, %v", c.status, v, ok, c.v, c.reported)
		}
	}
}

// TestRoundTrip encodes every representable value the way QEMU's
// isa-debug-exit does and checks that it decodes to itself.
func TestRoundTrip(t *testing.T) {
	for v := 0; v <= Max; v++ {
		status := (v<<1 | 1) & 0xff // what the host sees from exit()
		got, ok := FromQEMU(status)
		if !ok || got != v {
			t.Fatalf("value %d: FromQEMU(%d) = %d, %v", v, status, got, ok)
		}
	}
}

func TestDescribe(t *testing.T) {
	cases := map[int]string{
		0:               "successfully",
		1:               "status 1",
		99:              "status 99",
		Oops:            "oops",
		Bug:             "panic=exit",
		OutOfMemory:     "out of memory",
		BadCmdline:      "command line",
		Halted:          "halted",
		TooLittleMemory: "too little RAM",
		FatalSignal:     "killed by a signal",
		100:             "unknown",
		Max:             "unknown",
		128:             "invalid",
		-1:              "invalid",
	}
	for v, want := range cases {
		got := Describe(v)
		if !strings.Contains(got, want) {
			t.Errorf("Describe(%d) = %q; want it to mention %q", v, got, want)
		}
		if strings.Contains(got, "\n") {
			t.Errorf("Describe(%d) = %q is not one line", v, got)
		}
	}
}

func TestKernelStatusesFitAndDontClash(t *testing.T) {
	seen := map[int]bool{}
	for _, v := range []int{Oops, Bug, OutOfMemory, BadCmdline, Halted, FatalSignal} {
		if v <= MaxProgram || v > Max {
			t.Errorf("kernel status %d outside %d..%d", v, MaxProgram+1, Max)
		}
		if seen[v] {
			t.Errorf("kernel status %d defined twice", v)
		}
		seen[v] = true
	}
}
