package system

import "testing"

// A kernel that never finishes is killed by qemurun's timeout, which
// reports it with timeout(1)'s status. This is the longest test by
// design (it waits out the whole timeout), so its file sorts early: go
// test resumes parallel tests roughly in the order they paused, and the
// quick boots then share the other slot with it.

const statusTimeout = 124

func TestHangTimesOut(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	r := boot(t, buildKernel(t, "spin"), bootConfig{timeout: "8s"})
	r.wantStatus(t, statusTimeout)
	r.wantOutput(t, "spinning forever", "TIMEOUT")
}
