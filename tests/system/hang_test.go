package system

import (
	"strings"
	"testing"
)

// A kernel that never finishes is killed by qemurun's timeout, which
// reports it with timeout(1)'s status. This is the longest test by
// design (it waits out the whole timeout), so its file sorts early: go
// test resumes parallel tests roughly in the order they paused, and the
// quick boots then share the other slot with it.

const statusTimeout = 124

// The hang must be the program's spin, so the test needs the program to
// have started before the timeout: a busy host can slow the boot past 8 s
// (one soak saw the kernel killed before main printed). A boot killed
// before "spinning forever" shows nothing about the timeout and is made
// again with a longer one; a boot that reached the spin is judged.
func TestHangTimesOut(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	elf := buildKernel(t, "spin")
	var r bootResult
	for _, timeout := range []string{"8s", "30s", "90s"} {
		r = boot(t, elf, bootConfig{timeout: timeout})
		if strings.Contains(r.output, "spinning forever") {
			break
		}
		t.Logf("the kernel was killed after %s before the program started; again with a longer timeout", timeout)
	}
	r.wantStatus(t, statusTimeout)
	r.wantOutput(t, "spinning forever", "TIMEOUT")
}
