package system

import "testing"

// How a run ends, as the host sees it: the program's own exit status and
// a clean exit on a multiprocessor machine.

// helloLine is what testdata/hello prints.
const helloLine = "hello from gopreempt"

func TestExitStatusPassesThrough(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	r := boot(t, buildKernel(t, "exit7"), bootConfig{})
	r.wantStatus(t, 7)
	r.wantOutput(t, "exiting with status 7")
}

func TestBootSMP4(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	r := boot(t, buildKernel(t, "hello"), bootConfig{smp: "4"})
	r.wantStatus(t, 0)
	r.wantOutput(t, helloLine)
}
