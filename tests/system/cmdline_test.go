package system

import (
	"strings"
	"testing"
)

// A command line the kernel cannot parse stops the boot before the
// program runs, with the reason, the accepted options and the
// bad-command-line status.

const statusBadCmdline = 115 // internal/exitstatus.BadCmdline

func TestBadCommandLine(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	tests := []struct {
		name, cmdline string
		want          []string
	}{
		{"bad value", "preempt=sometimes", []string{"sometimes", "none", "voluntary", "full"}},
		{"unknown option", "bogus=1", []string{"bogus"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := boot(t, buildKernel(t, "hello"), bootConfig{cmdline: tt.cmdline})
			r.wantStatus(t, statusBadCmdline)
			r.wantOutput(t, append([]string{"bad kernel command line"}, tt.want...)...)
			if strings.Contains(r.output, helloLine) {
				t.Errorf("the program ran despite the bad command line")
			}
		})
	}
}
