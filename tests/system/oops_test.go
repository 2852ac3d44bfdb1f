package system

import (
	"regexp"
	"strings"
	"testing"
)

// The oops report, end to end: the raw part printed in exception context
// (kernel/oops.go) and the part finished on the faulting goroutine
// (kernel/oops_task.go), then QEMU's exit with the oops status.

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
		"CR2: "+wildAddr,
		"RIP: ", "RAX: ", "R15: ",
		"Task: ",
		"Backtrace:",
		"Go traceback:",
		"---[ end Kernel oops ]---",
	)

	// The decoded instruction is the store through the wild pointer, in
	// Go syntax (MOVQ ...) with the Intel form (mov ...) beside it.
	if !regexp.MustCompile(`(?m)^Code: MOV\w* .*\(Intel: mov `).MatchString(r.output) {
		t.Errorf("no decoded MOV on a Code: line; output:\n%s", r.output)
	}

	// The Go traceback names the function that faulted, and the report
	// ends after it.
	_, trace, ok := strings.Cut(r.output, "Go traceback:")
	if !ok {
		return // reported above
	}
	if !strings.Contains(trace, "main.scribble(") {
		t.Errorf("Go traceback does not name main.scribble:\n%s", trace)
	}
	if !strings.Contains(trace, "end Kernel oops") {
		t.Errorf("the report does not end after the Go traceback:\n%s", trace)
	}
}

// Each kind of oops names itself and where it happened:
//   - ud2: an invalid opcode;
//   - breakpoint: a trap, where the CPU reports the address after INT3
//     and the report must still decode the INT3 itself;
//   - kernelsyscall: a system call from kernel context (the timer
//     interrupt), which would build its frame over the stack the caller
//     is using.
func TestOopsKinds(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	for _, tc := range []struct {
		program string
		want    []string
	}{
		{"ud2", []string{"Oops: invalid opcode (#UD)", "Code: UD2", "main.ud2("}},
		{"breakpoint", []string{"Oops: breakpoint (#BP)", "Code: INT $0x3", "amd64.Int3("}},
		{"kernelsyscall", []string{
			"(system call from kernel context",
			"preempt_count=0x10000", // HARDIRQ_OFFSET: in the timer's handler
			"linux.Syscall6",
		}},
	} {
		t.Run(tc.program, func(t *testing.T) {
			t.Parallel()
			r := boot(t, buildKernel(t, tc.program), bootConfig{})
			r.wantStatus(t, statusOops)
			r.wantOutput(t, append(tc.want, "end Kernel oops")...)
		})
	}
}
