package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"gopreempt/internal/exitstatus"
)

// Exit statuses of qemurun itself, chosen to stay clear of the 0..99 a
// program passes through and of the kernel's 100..127. 124 is what
// timeout(1) uses for the same situation.
const (
	exitUsage      = 2
	exitTimeout    = 124
	exitNoReport   = 125
	exitQEMUFailed = 126
)

// result is what happened to one QEMU run.
type result struct {
	startErr    error          // QEMU could not be started at all
	status      int            // QEMU's exit status; -1 if a signal killed it
	signal      syscall.Signal // the signal that killed it, if one did
	kvmError    string         // QEMU's line reporting that KVM failed; we stopped QEMU
	printed     bool           // the kernel wrote to the console
	timedOut    bool           // we killed it when the timeout expired
	timeout     time.Duration
	interrupted os.Signal // we forwarded this signal to it
	stderr      string    // everything QEMU wrote to stderr
	monitor     bool      // the QEMU monitor was reachable (Ctrl-A X)
}

// outcome maps a QEMU run to qemurun's exit status and a one-line
// explanation for the user ("" when the status speaks for itself). When
// showStderr is true the explanation is about QEMU itself and its stderr
// should be shown with it.
func outcome(r result) (code int, msg string, showStderr bool) {
	switch {
	case r.startErr != nil:
		return exitQEMUFailed, fmt.Sprintf("qemurun: cannot start %s: %v", qemuBinary, r.startErr), true
	case r.kvmError != "":
		return exitQEMUFailed, fmt.Sprintf("qemurun: KVM could not run the kernel (%s); GOPREEMPT_ACCEL=tcg runs it under QEMU's emulator", r.kvmError), true
	case r.timedOut:
		return exitTimeout, fmt.Sprintf("qemurun: TIMEOUT: kernel did not finish within %v (hang?)", r.timeout), false
	case r.interrupted != nil:
		// Conventional shell status for death by signal: QEMU shut down
		// because we asked it to, whatever status it chose.
		n := 1
		if s, ok := r.interrupted.(syscall.Signal); ok {
			n = int(s)
		}
		return 128 + n, fmt.Sprintf("qemurun: interrupted (%v)", r.interrupted), false
	case r.status < 0:
		msg := fmt.Sprintf("qemurun: %s was killed by %s", qemuBinary, signalName(r.signal))
		if last := lastLine(r.stderr); last != "" {
			msg += "; its last message: " + last
		}
		return exitQEMUFailed, msg, true
	case killedByDebugger(r):
		return exitNoReport, "qemurun: the debugger ended the machine (gdb kill)", false
	case r.status == 0:
		msg := "qemurun: kernel stopped without reporting a status (triple fault or reset)"
		if r.monitor {
			msg += "; or QEMU was quit from its monitor (Ctrl-A X)"
		}
		return exitNoReport, msg, false
	case r.status == 1 && qemuComplained(r.stderr):
		// QEMU's fatal errors exit 1, which also decodes as the guest
		// reporting 0. A guest report is silent on stderr; error_report()
		// is not. Counting this as success would turn a broken setup into
		// a passing test run.
		return exitQEMUFailed, fmt.Sprintf("qemurun: %s failed (exit status 1)", qemuBinary), true
	}
	v, reported := exitstatus.FromQEMU(r.status)
	if !reported {
		return exitQEMUFailed, fmt.Sprintf("qemurun: %s failed (exit status %d)", qemuBinary, r.status), true
	}
	if v > exitstatus.MaxProgram {
		return v, "qemurun: " + exitstatus.Describe(v), false
	}
	return v, "", false
}

// qemuComplained reports whether QEMU's stderr holds anything other than
// warnings, i.e. an error message.
func qemuComplained(stderr string) bool {
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.Contains(line, "warning:") {
			return true
		}
	}
	return false
}

// signalNames are the Linux signals by their names in signal(7); Go's own
// names for them ("aborted") are not what a user searches for.
var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGILL: "SIGILL", syscall.SIGTRAP: "SIGTRAP", syscall.SIGABRT: "SIGABRT",
	syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE", syscall.SIGKILL: "SIGKILL",
	syscall.SIGUSR1: "SIGUSR1", syscall.SIGSEGV: "SIGSEGV", syscall.SIGUSR2: "SIGUSR2",
	syscall.SIGPIPE: "SIGPIPE", syscall.SIGALRM: "SIGALRM", syscall.SIGTERM: "SIGTERM",
	syscall.SIGXCPU: "SIGXCPU", syscall.SIGXFSZ: "SIGXFSZ", syscall.SIGSYS: "SIGSYS",
}

// signalName names a signal as signal(7) does.
func signalName(s syscall.Signal) string {
	if n, ok := signalNames[s]; ok {
		return n
	}
	if s == 0 {
		return "a signal"
	}
	return fmt.Sprintf("signal %d", int(s))
}
