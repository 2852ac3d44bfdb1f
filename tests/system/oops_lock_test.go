package system

import (
	"strings"
	"testing"
)

// Two CPUs that hit a fatal BUG at the same moment under panic=exit
// (testdata/twobugs): the log holds one report, whole, from its BUG line
// through its task line and backtrace to the bottom frame of the
// kthread's goroutine (runtime.goexit), and the run ends with the BUG
// status. The report lock (kernel/oops_lock.go) makes the second CPU wait
// while the first prints and ends the machine; without it the two
// reports' lines mix, and the first to end the machine cuts the other.
func TestTwoCPUsFatalBugAtOnce(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	r := boot(t, buildKernel(t, "twobugs"), bootConfig{cmdline: "panic=exit", smp: "2", timeout: "60s"})
	r.wantStatus(t, statusBug)
	r.wantOutput(t, "twobugs: reporting on cpu0 and cpu1 at once")
	const bug = "BUG: lock released by a task that does not own it: twobugs report from cpu"
	var report []string
	n := 0
	for _, l := range strings.Split(strings.ReplaceAll(r.output, "\r", ""), "\n") {
		if strings.HasPrefix(l, bug) {
			n++
		}
		if n == 1 && (len(report) == 0 && strings.HasPrefix(l, bug) || len(report) > 0) {
			report = append(report, l)
		}
	}
	if n != 1 {
		t.Fatalf("%d reports in the log, want 1 (the first ends the machine); output:\n%s", n, r.output)
	}
	// BUG line, task line, "Backtrace:", frames down to runtime.goexit.
	ok := len(report) > 4 && strings.HasPrefix(report[1], "  task: twobugs pid ") && report[2] == "Backtrace:"
	end := -1
	for i := 3; ok && i < len(report); i++ {
		if !strings.HasPrefix(report[i], "  [<0x") {
			ok = false
			break
		}
		if strings.Contains(report[i], "runtime.goexit") {
			end = i
			break
		}
	}
	if !ok || end < 0 {
		t.Fatalf("the report is not whole (BUG, task, Backtrace:, frames to runtime.goexit):\n%s", strings.Join(report, "\n"))
	}
}
