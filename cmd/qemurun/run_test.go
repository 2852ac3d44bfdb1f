package main

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopreempt/internal/exitstatus"
	"gopreempt/internal/mbimage/mbtest"
)

// These tests run qemurun's whole path, ELF in, exit status out, on
// synthetic kernels: a PT_LOAD holding a position-independent mbtest
// guest, which mbimage converts like the real kernel.

func writeKernel(t *testing.T, code []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kernel.elf")
	const addr = 0x200000
	if err := os.WriteFile(path, mbtest.ELF(elf.EM_X86_64, addr, mbtest.Load(addr, code)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// cleanEnv makes the run independent of the caller's GOPREEMPT_* settings,
// except for the choice of accelerator (GOPREEMPT_ACCEL, GOPREEMPT_CPU),
// which every test honours.
func cleanEnv(t *testing.T) {
	for _, k := range []string{"GOPREEMPT_CMDLINE", "GOPREEMPT_MEM", "GOPREEMPT_SMP", "GOPREEMPT_TIMEOUT"} {
		t.Setenv(k, "")
	}
}

func TestRunEndToEnd(t *testing.T) {
	needQEMU(t)
	cleanEnv(t)
	t.Setenv("GOPREEMPT_CMDLINE", "loglevel=6 panic=exit")
	kernel := writeKernel(t, mbtest.EchoCmdline(5))
	var out, errOut strings.Builder
	code := run([]string{"-timeout=1m", kernel, "-test.timeout=10m0s", "-test.v=true"}, &out, &errOut)
	if code != 5 {
		t.Fatalf("exit status %d, want 5\nstdout %q\nstderr %q", code, out.String(), errOut.String())
	}
	img, rest, _ := strings.Cut(strings.TrimSuffix(out.String(), "\n"), " ")
	if rest != "loglevel=6 panic=exit -- -test.timeout=10m0s -test.v=true" {
		t.Errorf("kernel command line %q", rest)
	}
	if _, err := os.Stat(img); !os.IsNotExist(err) {
		t.Errorf("temporary image %q not removed (stat: %v)", img, err)
	}
	// The synthetic kernel has no Go line table; that is worth a warning,
	// not a failure.
	if !strings.Contains(errOut.String(), "will not be annotated") {
		t.Errorf("stderr %q", errOut.String())
	}
}

func TestRunKernelStatusMessage(t *testing.T) {
	needQEMU(t)
	cleanEnv(t)
	kernel := writeKernel(t, mbtest.Print("bad option\r\n", exitstatus.BadCmdline))
	var out, errOut strings.Builder
	code := run([]string{kernel}, &out, &errOut)
	want := "bad option\nqemurun: " + exitstatus.Describe(exitstatus.BadCmdline) + "\n"
	if code != exitstatus.BadCmdline || out.String() != want {
		t.Errorf("exit %d, stdout %q; want %d, %q", code, out.String(), exitstatus.BadCmdline, want)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	cleanEnv(t)
	kernel := writeKernel(t, mbtest.Exit(0))
	notELF := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notELF, []byte("not a kernel"), 0o644)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no kernel", nil, exitUsage, "usage"},
		{"bad flag", []string{"-bogus", kernel}, exitUsage, "bogus"},
		{"spaced argument", []string{kernel, "two words"}, exitUsage, "whitespace"},
		{"empty argument", []string{kernel, ""}, exitUsage, "empty"},
		{"bad test timeout", []string{kernel, "-test.timeout=later"}, exitUsage, "test.timeout"},
		{"not an ELF", []string{notELF}, exitQEMUFailed, "notes.txt"},
	}
	for _, c := range cases {
		var out, errOut strings.Builder
		code := run(c.args, &out, &errOut)
		if code != c.code || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", c.name, code, errOut.String(), c.code, c.want)
		}
	}
	t.Setenv("GOPREEMPT_ACCEL", "xen")
	var out, errOut strings.Builder
	if code := run([]string{kernel}, &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), "GOPREEMPT_ACCEL") {
		t.Errorf("bad accelerator: exit %d, stderr %q", code, errOut.String())
	}
}
