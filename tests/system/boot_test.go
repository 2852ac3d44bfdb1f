package system

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Booting a kernel image with qemurun.
//
// A boot is a whole emulated machine: under TCG it keeps a host CPU busy
// for its lifetime, so however many tests run in parallel, at most
// maxBoots machines run at once. More would only make each boot slower
// and its timing (timer ticks, the hang test's timeout) less predictable.
const maxBoots = 2

var bootSlots = make(chan struct{}, maxBoots)

// bootTimeout bounds a boot that is expected to finish: a healthy one
// takes about a second, so hitting it means a hang.
const bootTimeout = "60s"

// bootConfig is one boot: the kernel command line, the number of CPUs,
// and qemurun's timeout.
type bootConfig struct {
	cmdline string // $GOPREEMPT_CMDLINE; "" for the defaults
	smp     string // $GOPREEMPT_SMP; "" for qemurun's default (1)
	timeout string // qemurun -timeout; "" for bootTimeout
	mem     string // $GOPREEMPT_MEM; "" for qemurun's default
}

// bootResult is what came back: everything qemurun printed (the console,
// then its verdict) and its exit status.
type bootResult struct {
	output string
	status int
}

// boot runs elf under qemurun and returns its output and exit status.
// Settings from the environment of whoever runs go test are not passed on
// where they would change what the test observes.
func boot(t *testing.T, elf string, c bootConfig) bootResult {
	t.Helper()
	if c.timeout == "" {
		c.timeout = bootTimeout
	}
	bootSlots <- struct{}{}
	defer func() { <-bootSlots }()

	cmd := exec.Command(qemurun, "-timeout", c.timeout, elf)
	cmd.Env = bootEnv(c)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("boot of %s took %v", elf, time.Since(start).Round(time.Millisecond))
	status := 0
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("running qemurun: %v\n%s", err, out)
		}
		status = exit.ExitCode()
	}
	return bootResult{output: string(out), status: status}
}

func bootEnv(c bootConfig) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "GOPREEMPT_CMDLINE", "GOPREEMPT_SMP", "GOPREEMPT_TIMEOUT", "GOPREEMPT_MEM":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GOPREEMPT_CMDLINE="+c.cmdline)
	if c.smp != "" {
		env = append(env, "GOPREEMPT_SMP="+c.smp)
	}
	if c.mem != "" {
		env = append(env, "GOPREEMPT_MEM="+c.mem)
	}
	return env
}

// wantStatus fails the test, showing the console, unless the boot ended
// with the given status.
func (r bootResult) wantStatus(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("qemurun exited %d, want %d; output:\n%s", r.status, status, r.output)
	}
}

// wantOutput fails the test, showing the console, unless every string
// appears in the output.
func (r bootResult) wantOutput(t *testing.T, want ...string) {
	t.Helper()
	missing := false
	for _, w := range want {
		if !strings.Contains(r.output, w) {
			t.Errorf("output lacks %q", w)
			missing = true
		}
	}
	if missing {
		t.Logf("output:\n%s", r.output)
	}
}
