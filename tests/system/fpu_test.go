package system

import (
	"regexp"
	"strings"
	"testing"
)

// AVX outside kernel_fpu_begin/end: the enforcement end to end. XCR0
// lacks YMM outside a bracket, so the first VPXOR of the AVX2 checksum
// raises #UD; the kernel recognises it, finishes the report on the
// faulting goroutine (instruction decoded by x86asm, Go traceback), and
// ends the machine: status Bug under panic=exit, Oops otherwise.

const statusBug = 113 // internal/exitstatus.Bug

func TestAVXOutsideBracket(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	for _, tt := range []struct {
		name, cmdline string
		status        int
	}{
		{"panic=exit", "panic=exit", statusBug},
		{"default", "", statusOops},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := boot(t, buildKernel(t, "avxoutside"), bootConfig{cmdline: tt.cmdline})
			if strings.Contains(r.output, "no AVX2 on this CPU") {
				t.Skip("the QEMU CPU model has no AVX2 (qemurun uses -cpu max; set GOPREEMPT_CPU to a model with AVX2)")
			}
			r.wantStatus(t, tt.status)
			r.wantOutput(t,
				"avxoutside test: inside a bracket the checksum is",
				"BUG: AVX instruction outside kernel_fpu_begin/end: VPXOR",
				"(Intel: vpxor ymm",
				"task: init",
				"Go traceback:",
			)
			if strings.Contains(r.output, "still alive") {
				t.Errorf("the program went on after the AVX instruction")
			}
			// The traceback runs from the routine to its caller outside
			// the bracket.
			_, trace, _ := strings.Cut(r.output, "Go traceback:")
			for _, fn := range []string{"fpu.xorBlocksAVX2(", "main.checksumOutsideBracket("} {
				if !strings.Contains(trace, fn) {
					t.Errorf("Go traceback does not name %s:\n%s", fn, trace)
				}
			}
			// The two checksums printed inside the bracket agree.
			m := regexp.MustCompile(`checksum is (\w+) \(reference (\w+)\)`).FindStringSubmatch(r.output)
			if m == nil || m[1] != m[2] {
				t.Errorf("AVX2 checksum inside the bracket differs from the reference: %v", m)
			}
		})
	}
}
