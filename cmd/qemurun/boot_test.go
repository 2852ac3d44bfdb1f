package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopreempt/internal/exitstatus"
	"gopreempt/internal/mbimage/mbtest"
)

// These tests boot hand-assembled guests (internal/mbimage/mbtest) in a
// real QEMU through boot(), the same path qemurun takes after converting
// the ELF, and check what qemurun would exit with.

func needQEMU(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath(qemuBinary); err != nil {
		t.Skipf("%s not on PATH", qemuBinary)
	}
}

// accelEnv passes on the caller's choice of accelerator ($GOPREEMPT_ACCEL,
// $GOPREEMPT_CPU), which every test honours, and hides the other
// GOPREEMPT_* settings.
func accelEnv(key string) string {
	if key == "GOPREEMPT_ACCEL" || key == "GOPREEMPT_CPU" {
		return os.Getenv(key)
	}
	return ""
}

// bootGuest writes the guest's image to a temporary file and boots it with
// qemurun's default machine settings on the accelerator qemurun would
// choose, falling back to TCG as it does.
func bootGuest(t *testing.T, code []byte, cmdline string, opt runOptions) (result, string) {
	t.Helper()
	needQEMU(t)
	img := filepath.Join(t.TempDir(), "guest.img")
	if err := os.WriteFile(img, mbtest.Image(code), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := configFromEnv(accelEnv, probeKVMHost())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Image, cfg.Cmdline = img, cmdline
	var out syncBuffer
	console := newConsoleWriter(&out, nil)
	opt.Console = console
	opt.OwnGroup = true
	if opt.Timeout == 0 {
		opt.Timeout = time.Minute // a broken test must not hang the suite
	}
	var notes strings.Builder
	res := runQEMU(cfg, opt, &notes)
	console.Close()
	if notes.Len() > 0 {
		t.Log(notes.String())
	}
	return res, out.String()
}

func wantOutcome(t *testing.T, res result, code int) {
	t.Helper()
	got, msg, _ := outcome(res)
	if got != code {
		t.Fatalf("exit status %d (%s), want %d; QEMU status %d, stderr %q", got, msg, code, res.status, res.stderr)
	}
}

func TestBootReportsStatus(t *testing.T) {
	res, _ := bootGuest(t, mbtest.Exit(42), "", runOptions{})
	wantOutcome(t, res, 42)
	if res.status != 42<<1|1 {
		t.Errorf("QEMU status %d, want %d", res.status, 42<<1|1)
	}
}

func TestBootReportsZero(t *testing.T) {
	// A guest reporting 0 exits QEMU with status 1, like QEMU's own
	// errors: it must still count as success.
	res, _ := bootGuest(t, mbtest.Exit(0), "", runOptions{})
	wantOutcome(t, res, 0)
}

func TestBootKernelStatus(t *testing.T) {
	res, out := bootGuest(t, mbtest.Print("Oops: #PF\r\n", exitstatus.Oops), "", runOptions{})
	wantOutcome(t, res, exitstatus.Oops)
	if out != "Oops: #PF\n" {
		t.Errorf("console %q", out)
	}
}

func TestBootStreamsSerial(t *testing.T) {
	res, out := bootGuest(t, mbtest.Print("hello\r\nworld\r\nno newline", 3), "", runOptions{})
	wantOutcome(t, res, 3)
	if want := "hello\nworld\nno newline\n"; out != want {
		t.Errorf("console %q, want %q", out, want)
	}
}

func TestBootPassesCmdline(t *testing.T) {
	cmdline, err := kernelCmdline("preempt=full panic=exit", []string{"-test.v=true", "-test.run=X"})
	if err != nil {
		t.Fatal(err)
	}
	res, out := bootGuest(t, mbtest.EchoCmdline(7), cmdline, runOptions{})
	wantOutcome(t, res, 7)
	// QEMU's Multiboot loader puts the image path in front.
	path, rest, _ := strings.Cut(strings.TrimSuffix(out, "\n"), " ")
	if !strings.HasSuffix(path, "guest.img") || rest != "preempt=full panic=exit -- -test.v=true -test.run=X" {
		t.Errorf("guest saw command line %q", out)
	}
}

func TestBootTimeout(t *testing.T) {
	start := time.Now()
	res, _ := bootGuest(t, mbtest.Hang(), "", runOptions{Timeout: 2 * time.Second})
	wantOutcome(t, res, exitTimeout)
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("timeout of 2s took %v to take effect", took)
	}
	if _, msg, _ := outcome(res); msg != "qemurun: TIMEOUT: kernel did not finish within 2s (hang?)" {
		t.Errorf("message %q", msg)
	}
}

func TestBootTripleFault(t *testing.T) {
	res, _ := bootGuest(t, mbtest.TripleFault(), "", runOptions{})
	wantOutcome(t, res, exitNoReport)
	if res.status != 0 {
		t.Errorf("QEMU status %d, want 0", res.status)
	}
}

func TestBootForwardsSignal(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	go func() {
		time.Sleep(time.Second)
		sigs <- syscall.SIGTERM
	}()
	res, _ := bootGuest(t, mbtest.Hang(), "", runOptions{Signals: sigs})
	wantOutcome(t, res, 128+int(syscall.SIGTERM))
	if res.timedOut {
		t.Error("QEMU ignored the forwarded signal until the timeout")
	}
}

func TestBootQEMUError(t *testing.T) {
	needQEMU(t)
	// An option QEMU rejects: it exits 1 with an error on stderr, which
	// must not be mistaken for the guest reporting 0.
	img := filepath.Join(t.TempDir(), "guest.img")
	if err := os.WriteFile(img, mbtest.Image(mbtest.Exit(0)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := qemuConfig{Binary: qemuBinary, Image: img, Mem: "64M", SMP: "1", CPU: "no-such-cpu", Accel: "tcg"}
	res := boot(cfg, runOptions{Console: newConsoleWriter(&syncBuffer{}, nil), OwnGroup: true, Timeout: time.Minute})
	wantOutcome(t, res, exitQEMUFailed)
	if !strings.Contains(res.stderr, "no-such-cpu") {
		t.Errorf("QEMU's complaint not captured: %q", res.stderr)
	}

	cfg.Binary = filepath.Join(t.TempDir(), "no-such-qemu")
	res = boot(cfg, runOptions{Console: newConsoleWriter(&syncBuffer{}, nil)})
	wantOutcome(t, res, exitQEMUFailed)
	if res.startErr == nil {
		t.Error("missing QEMU binary not reported as a start failure")
	}
}
