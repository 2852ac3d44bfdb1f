package system

import (
	"testing"
)

// The oops report, end to end: a CPU exception the kernel cannot turn
// into a signal (kernel/oops.go), and QEMU's exit with the oops status.
// Goroutine code inside preempt_disable() is kernel-critical code: a fault
// there is an oops, not a signal (kernel/signal_fault.go).

const statusOops = 112 // internal/exitstatus.Oops

// wildAddr is where testdata/oops writes (its const wild), as the report
// prints CR2: 16 hex digits.
const wildAddr = "00000dead0000000"

func TestOopsReport(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	r := boot(t, buildKernel(t, "oops"), bootConfig{})
	r.wantStatus(t, statusOops)
	r.wantOutput(t,
		"Oops: page fault (#PF)",
		"in goroutine code in atomic context",
		"CR2: "+wildAddr,
		"RIP: ", "RAX: ", "R15: ",
		"Task: ",
		"preempt_count=0x1",
		"Backtrace:",
		"main.scribble",
		"---[ end Kernel oops ]---",
	)
}

// An invalid opcode and a breakpoint in goroutine code are SIGILL and
// SIGTRAP, which the Go runtime reports itself (exit 2); the same inside
// preempt_disable() is an oops that names itself (the breakpoint's report
// must still find the INT3, which the CPU reports the address after). A
// system call from kernel context is a BUG of its own (kernelsyscall_test.go).
func TestOopsKinds(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	for _, tc := range []struct {
		program, args string
		status        int
		want          []string
	}{
		{"ud2", "", 2, []string{"SIGILL: illegal instruction", "PC=", "main.ud2("}},
		{"breakpoint", "", 2, []string{"SIGTRAP: trace trap", "PC=", "amd64.Int3("}},
		{"ud2", "atomic", statusOops, []string{"Oops: invalid opcode (#UD)", "in atomic context", "Code: 0f 0b", "main.ud2"}},
		{"breakpoint", "atomic", statusOops, []string{"Oops: breakpoint (#BP)", "in atomic context", "amd64.Int3"}},
	} {
		t.Run(tc.program+tc.args, func(t *testing.T) {
			t.Parallel()
			c := bootConfig{}
			if tc.args != "" {
				c.cmdline = "-- " + tc.args
			}
			r := boot(t, buildKernel(t, tc.program), c)
			r.wantStatus(t, tc.status)
			if tc.status == statusOops {
				tc.want = append(tc.want, "end Kernel oops")
			}
			r.wantOutput(t, tc.want...)
		})
	}
}
