package main

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOutcome(t *testing.T) {
	cases := []struct {
		name     string
		r        result
		code     int
		msg      string // substring; "" means no message at all
		aboutEmu bool
	}{
		{"pass", result{status: 1}, 0, "", false},
		{"go test fail", result{status: 3}, 1, "", false},
		{"program status 99", result{status: 199}, 99, "", false},
		{"oops", result{status: 225}, 112, "qemurun: kernel oops", false},
		{"bug", result{status: 227}, 113, "qemurun: kernel BUG", false},
		{"oom", result{status: 229}, 114, "qemurun: kernel out of memory", false},
		{"cmdline", result{status: 231}, 115, "qemurun: malformed kernel command line", false},
		{"unknown kernel status", result{status: 201}, 100, "qemurun: unknown kernel status 100", false},
		{"pass with a warning", result{status: 1, stderr: "qemu-system-x86_64: warning: host doesn't support requested feature\n"}, 0, "", false},
		{"triple fault", result{status: 0}, 125, "qemurun: kernel stopped without reporting a status (triple fault or reset)", false},
		{"monitor quit", result{status: 0, monitor: true}, 125, "Ctrl-A X", false},
		{"timeout", result{timedOut: true, timeout: 90 * time.Second, status: -1}, 124,
			"qemurun: TIMEOUT: kernel did not finish within 1m30s (hang?)", false},
		{"interrupted", result{interrupted: syscall.SIGINT, status: 0}, 130, "interrupted", false},
		{"terminated", result{interrupted: syscall.SIGTERM, status: 0}, 143, "interrupted", false},
		{"cannot start", result{startErr: errors.New("exec: not found")}, 126, "cannot start", true},
		{"qemu error exit 1", result{status: 1, stderr: "qemu-system-x86_64: unable to find CPU model 'bogus'\n"}, 126, "failed", true},
		{"qemu even status", result{status: 2}, 126, "exit status 2", true},
		{"qemu killed", result{status: -1}, 126, "killed by a signal", true},
		{"qemu aborted", result{status: -1, signal: syscall.SIGABRT, stderr: "qemu: warning: x\nqemu: kvm.c:1: f: Assertion failed.\n\n"}, 126,
			"qemurun: qemu-system-x86_64 was killed by SIGABRT; its last message: qemu: kvm.c:1: f: Assertion failed.", true},
		{"kvm internal error", result{status: -1, signal: syscall.SIGKILL, kvmError: "KVM internal error. Suberror: 1"}, 126,
			"qemurun: KVM could not run the kernel (KVM internal error. Suberror: 1)", true},
	}
	for _, c := range cases {
		code, msg, aboutEmu := outcome(c.r)
		if code != c.code || aboutEmu != c.aboutEmu {
			t.Errorf("%s: outcome = %d, aboutQEMU %v; want %d, %v", c.name, code, aboutEmu, c.code, c.aboutEmu)
		}
		if (c.msg == "") != (msg == "") || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: message %q; want %q", c.name, msg, c.msg)
		}
	}
}

func TestReportStreams(t *testing.T) {
	var out, errOut strings.Builder
	code := report(result{status: 225, stderr: "qemu-system-x86_64: warning: x\n"}, &out, &errOut)
	if code != 112 || !strings.HasPrefix(out.String(), "qemurun: kernel oops") || !strings.Contains(errOut.String(), "warning: x") {
		t.Errorf("oops: code %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}

	out.Reset()
	errOut.Reset()
	code = report(result{status: 1, stderr: "qemu: could not open kernel file\n"}, &out, &errOut)
	if code != 126 || out.Len() != 0 || !strings.Contains(errOut.String(), "could not open kernel file") {
		t.Errorf("qemu failure: code %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}
