package system

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A gdb session as make debug starts it (gdb/debug.sh: qemurun -gdb, QEMU's
// gdbstub, gdb with gdb/gopreempt-gdb.py), in batch mode, against a real
// boot under TCG.
//
// The kernel is testdata/spin: main spins with interrupts on and never
// ends, so under preempt=full the timer interrupt must sooner or later
// return through preempt_schedule_irq(); how soon does not matter, the
// breakpoint waits for it. What the code guarantees there is checked:
//
//   - on entry (the interrupt return calls it only so): preempt_count 0, interrupts
//     off (IF clear in RFLAGS), TIF_NEED_RESCHED set;
//   - at the schedule() it makes next, on one CPU: preempt_count exactly
//     PREEMPT_ACTIVE, and a backtrace through PreemptScheduleIRQ and the
//     entry layer's way back to task context, exitToTaskContextLoop (or
//     irqentryExit, for an interrupt that hit the kernel itself; Go's
//     DWARF unwinds the kernel's own frames).
//
// Between the two stops only interrupt handlers can run on the CPU, and
// none of them calls schedule(): the handlers' own return path sees
// PREEMPT_ACTIVE in the count and does not preempt.
//
// The breakpoints are hardware ones (hbreak): they are set at the reset
// vector, before the Multiboot loader copies the image, and under a real
// KVM that copy would overwrite a software breakpoint's int3. Under TCG
// both kinds are kept by QEMU and work alike.

// gdbSessionLimit bounds the whole session: boot to the first preemption
// takes seconds under TCG, but the host may be busy.
const gdbSessionLimit = 4 * time.Minute

const gdbSession = `set pagination off
set confirm off
hbreak 'gopreempt/kernel.PreemptScheduleIRQ'
continue
printf "@entry count=%#x flags=%#x rflags=%#x\n", $preempt_count(), $current_task().ThreadInfo.Flags, $eflags
preempt_count
need_resched
bt
delete
thbreak 'gopreempt/kernel.schedule'
continue
printf "@schedule count=%#x\n", $preempt_count()
preempt_count
bt 4
kill
`

// needGDB skips the test when gdb is not installed; make hosttest installs
// it first (make deps-gdb).
func needGDB(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("gdb"); err != nil {
		t.Skip("gdb not on PATH (make deps-gdb installs it; make hosttest does so first)")
	}
}

func TestGDBStopsInPreemptScheduleIRQ(t *testing.T) {
	needQEMU(t)
	needGDB(t)
	t.Parallel()
	elf := buildKernel(t, "spin")
	script := filepath.Join(t.TempDir(), "session.gdb")
	if err := os.WriteFile(script, []byte(gdbSession), 0o644); err != nil {
		t.Fatal(err)
	}
	bootSlots <- struct{}{}
	defer func() { <-bootSlots }()

	out, err := runDebugSession(t, elf, script)
	t.Logf("gdb session:\n%s", out)
	if err != nil {
		t.Fatal(err)
	}

	entry := gdbValues(t, out, "@entry")
	if entry["count"] != 0 {
		t.Errorf("preempt_count %#x on entry to PreemptScheduleIRQ, want 0 (the interrupt return calls it only then)", entry["count"])
	}
	const flagIF, tifNeedResched = 1 << 9, 1
	if entry["rflags"]&flagIF != 0 {
		t.Errorf("RFLAGS %#x on entry to PreemptScheduleIRQ: interrupts on, want off", entry["rflags"])
	}
	if entry["flags"]&tifNeedResched == 0 {
		t.Errorf("thread_info flags %#x on entry to PreemptScheduleIRQ: TIF_NEED_RESCHED clear", entry["flags"])
	}
	const preemptActive = 0x10000000
	if c := gdbValues(t, out, "@schedule")["count"]; c != preemptActive {
		t.Errorf("preempt_count %#x in the schedule() that PreemptScheduleIRQ makes, want PREEMPT_ACTIVE (%#x)", c, preemptActive)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`Breakpoint 1, gopreempt/kernel\.PreemptScheduleIRQ \(\)`),
		regexp.MustCompile(`(?m)^#1 .* in gopreempt/kernel\.(exitToTaskContextLoop|irqentryExit) `),
		regexp.MustCompile(`(?m)^preempt_count = 0x00000000 \(preempt 0, softirq 0, hardirq 0\) of pid \d+ "`),
		regexp.MustCompile(`(?m)^TIF_NEED_RESCHED set`),
		regexp.MustCompile(`Temporary breakpoint 2, gopreempt/kernel\.schedule \(\)`),
		regexp.MustCompile(`(?m)^preempt_count = 0x10000000 \(PREEMPT_ACTIVE, preempt 0, softirq 0, hardirq 0\)`),
		regexp.MustCompile(`(?m)^#1 .* in gopreempt/kernel\.PreemptScheduleIRQ \(\)`),
		regexp.MustCompile(`(?m)^#2 .* in gopreempt/kernel\.(exitToTaskContextLoop|irqentryExit) `),
		regexp.MustCompile(`qemurun: the debugger ended the machine`),
	} {
		if !want.MatchString(out) {
			t.Errorf("session output lacks %s", want)
		}
	}
}

// runDebugSession runs gdb/debug.sh on elf with the gdb command file
// script, in batch mode, and returns everything gdb, qemurun and the
// kernel printed. Past gdbSessionLimit the session is ended: SIGTERM to
// its process group (debug.sh ends qemurun, which ends QEMU), then
// SIGKILL.
func runDebugSession(t *testing.T, elf, script string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), gdbSessionLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(moduleRoot, "gdb", "debug.sh"),
		"-batch", "-nx", "-x", script, "--", elf)
	cmd.Dir = moduleRoot
	cmd.Env = append(bootEnv(bootConfig{smp: "1"}), "QEMURUN="+qemurun)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 15 * time.Second
	start := time.Now()
	err := cmd.Run()
	t.Logf("session took %v", time.Since(start).Round(time.Millisecond))
	// Whatever happened, nothing of the session may outlive the test.
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if ctx.Err() != nil {
		return out.String(), errors.New("the gdb session did not end within " + gdbSessionLimit.String())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return out.String(), err
	}
	// gdb's batch status is that of its last command (kill), so a
	// failure shows in the output checks rather than here.
	return out.String(), nil
}

// gdbValues parses the printf line that starts with tag: tag name=0x...
func gdbValues(t *testing.T, out, tag string) map[string]uint64 {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(line, tag+" ")
		if !ok {
			continue
		}
		vals := make(map[string]uint64)
		for _, f := range strings.Fields(rest) {
			name, val, _ := strings.Cut(f, "=")
			v, err := strconv.ParseUint(val, 0, 64)
			if err != nil {
				t.Fatalf("bad value in %q: %v", line, err)
			}
			vals[name] = v
		}
		return vals
	}
	t.Fatalf("gdb printed no %s line (the breakpoint was not reached?)", tag)
	return nil
}
