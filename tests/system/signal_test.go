package system

import (
	"fmt"
	"strings"
	"testing"
)

// Signals, end to end (docs/signals.md): a fault in goroutine code is a
// signal that the Go runtime handles as on Linux, signals sent with kill
// are delivered or ignored by their default action, and asynchronous
// preemption lets the collector stop a call-free loop. Each case of
// testdata/signals prints "signals: CASE ok" when it passes; the ones
// that end the program are judged by their status and Go's own report.

const (
	statusGoFatal     = 2   // the Go runtime's exit status for a fatal error
	statusFatalSignal = 118 // internal/exitstatus.FatalSignal
)

func TestSignals(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	for _, smp := range []string{"1", "4"} {
		for _, tc := range []struct {
			args   string
			status int
			want   []string
		}{
			{"recover divide self", 0, []string{"signals: recover ok", "signals: divide ok", "signals: self ok"}},
			{"gc", 0, []string{"signals: gc finished with 4 call-free loops", "signals: gc ok"}},
			{"nil", statusGoFatal, []string{
				"panic: runtime error: invalid memory address or nil pointer dereference",
				"[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 ",
				"main.scribble(",
			}},
			{"fault", statusGoFatal, []string{
				"unexpected fault address 0xdead0000000",
				"fatal error: fault",
				"[signal SIGSEGV: segmentation violation code=0x1 addr=0xdead0000000",
				"main.scribble(",
			}},
			{"readonly", statusGoFatal, []string{
				"unexpected fault address",
				"[signal SIGSEGV: segmentation violation code=0x2 ",
			}},
			{"term", statusFatalSignal, []string{
				"]: killed by signal 15 (SIGTERM)", // by whichever thread took it
				"gopreempt: program killed by signal 15 (SIGTERM)",
			}},
			{"dfl", statusFatalSignal, []string{
				"]: segfault at dead0000000 ip ",
				"gopreempt: program killed by signal 11 (SIGSEGV)",
			}},
		} {
			t.Run(fmt.Sprintf("%s/smp%s", strings.ReplaceAll(tc.args, " ", "+"), smp), func(t *testing.T) {
				t.Parallel()
				r := boot(t, buildKernel(t, "signals"), bootConfig{cmdline: "-- " + tc.args, smp: smp, timeout: "180s"})
				r.wantStatus(t, tc.status)
				r.wantOutput(t, tc.want...)
			})
		}
	}
}

// print-fatal-signals=1 adds the oops-style report to the one line of a
// killing signal: registers, then on the goroutine the instruction
// decoded and the Go traceback.
func TestPrintFatalSignals(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	r := boot(t, buildKernel(t, "signals"), bootConfig{cmdline: "print-fatal-signals=1 -- dfl"})
	r.wantStatus(t, statusFatalSignal)
	r.wantOutput(t,
		"]: segfault at dead0000000 ip ",
		": potentially unexpected fatal signal 11.",
		"RIP: ", "RAX: ",
		"Code: MOV",
		"Go traceback:",
		"main.scribble(",
		"gopreempt: program killed by signal 11 (SIGSEGV)",
	)
}
