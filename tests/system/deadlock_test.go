package system

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Go's deadlock detection: when every goroutine is blocked for good, the
// runtime's checkdead prints "fatal error: all goroutines are asleep -
// deadlock!" and exits 2. It can only do so when nothing else keeps it
// from counting every thread idle: no goroutine, timer or thread in a
// system call that the kernel itself owns. testdata/deadlock blocks in
// four ways; each must end as it does on Linux, which the test checks by
// running the same program on the host first, on one CPU and on four.
func TestDeadlockDetected(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	const fatal = "fatal error: all goroutines are asleep - deadlock!"
	host := ""
	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		host = buildHostProgram(t, "deadlock")
	}
	for _, kind := range []string{"chan", "select", "goexit", "waitgroup"} {
		if host != "" {
			out, err := exec.Command(host, kind).CombinedOutput()
			if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 || !strings.Contains(string(out), fatal) {
				t.Fatalf("on the host, deadlock %s ended with %v, want status 2 and %q; output:\n%s", kind, err, fatal, out)
			}
		}
		for _, smp := range []string{"1", "4"} {
			t.Run(fmt.Sprintf("%s/smp%s", kind, smp), func(t *testing.T) {
				t.Parallel()
				r := boot(t, buildKernel(t, "deadlock"), bootConfig{cmdline: "-- " + kind, smp: smp})
				r.wantStatus(t, 2)
				r.wantOutput(t, "deadlock test: blocking every goroutine: "+kind, fatal)
			})
		}
	}
	t.Run("badarg", func(t *testing.T) {
		t.Parallel()
		r := boot(t, buildKernel(t, "deadlock"), bootConfig{cmdline: "-- nosuchkind"})
		r.wantStatus(t, 3)
		r.wantOutput(t, "deadlock test: usage: deadlock chan|select|goexit|waitgroup")
	})
}

// buildHostProgram builds testdata/name as an ordinary program for the
// host, where the kernel's packages do nothing (boot's init sees that it
// was not booted), to show how the program ends on Linux.
func buildHostProgram(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-o", path, "./tests/system/testdata/"+name)
	cmd.Dir = moduleRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s for the host: %v\n%s", name, err, out)
	}
	return path
}
