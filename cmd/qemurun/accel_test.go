package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopreempt/internal/mbimage/mbtest"
)

// Flags lines as /proc/cpuinfo has them, for the three kinds of host.
const (
	cpuinfoIntel    = "processor\t: 0\nflags\t\t: fpu vme sse sse2 vmx avx avx2\nvmx flags\t: vnmi preemption_timer\nbugs\t\t: spectre_v1\n\nprocessor\t: 1\nflags\t\t: fpu vme sse sse2 vmx avx avx2\n"
	cpuinfoAMD      = "processor\t: 0\nflags\t\t: fpu sse sse2 svm avx2\n"
	cpuinfoSoftware = "processor\t: 0\nmodel name\t: vmx-less svm-free CPU\nflags\t\t: fpu vme sse sse2 hypervisor avx avx2\n"
)

func TestChooseAccel(t *testing.T) {
	permission := &fs.PathError{Op: "open", Path: "/dev/kvm", Err: syscall.EACCES}
	noDevice := &fs.PathError{Op: "open", Path: "/dev/kvm", Err: syscall.ENOENT}
	cases := []struct {
		name   string
		forced string
		host   kvmHost
		accel  string
		auto   bool
		note   string // substring; "" means no note
	}{
		{"no /dev/kvm", "", kvmHost{OpenErr: noDevice, CPUInfo: cpuinfoIntel}, "tcg", false, ""},
		{"/dev/kvm not writable", "", kvmHost{OpenErr: permission, CPUInfo: cpuinfoIntel}, "tcg", false,
			"qemurun: /dev/kvm cannot be opened read-write (permission denied); using TCG"},
		{"software KVM", "", kvmHost{CPUInfo: cpuinfoSoftware}, "tcg", false,
			"qemurun: /dev/kvm is a software KVM (no vmx/svm CPU flag); using TCG"},
		{"cpuinfo unreadable", "", kvmHost{}, "tcg", false, "software KVM"},
		{"Intel VT-x", "", kvmHost{CPUInfo: cpuinfoIntel}, "kvm", true, ""},
		{"AMD-V", "", kvmHost{CPUInfo: cpuinfoAMD}, "kvm", true, ""},
		{"forced kvm on a software KVM", "kvm", kvmHost{CPUInfo: cpuinfoSoftware}, "kvm", false, ""},
		{"forced kvm without /dev/kvm", "kvm", kvmHost{OpenErr: noDevice}, "kvm", false, ""},
		{"forced tcg on real KVM", "tcg", kvmHost{CPUInfo: cpuinfoIntel}, "tcg", false, ""},
	}
	for _, c := range cases {
		got, err := chooseAccel(c.forced, c.host)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got.Accel != c.accel || got.Auto != c.auto {
			t.Errorf("%s: %+v, want accel %s, auto %v", c.name, got, c.accel, c.auto)
		}
		if (c.note == "") != (got.Note == "") || !strings.Contains(got.Note, c.note) {
			t.Errorf("%s: note %q, want %q", c.name, got.Note, c.note)
		}
	}
	if _, err := chooseAccel("hvf", kvmHost{CPUInfo: cpuinfoIntel}); err == nil || !strings.Contains(err.Error(), "want kvm or tcg") {
		t.Errorf("GOPREEMPT_ACCEL=hvf: error %v", err)
	}
}

// fakeQEMU writes a shell script that stands in for QEMU. Under TCG it
// acts as a guest reporting 5 and prints "tcg CPU" on the console; under
// KVM it runs kvmScript. Each run appends "ACCEL CPU" to the returned log.
func fakeQEMU(t *testing.T, kvmScript string) (binary, log string) {
	t.Helper()
	dir := t.TempDir()
	binary, log = filepath.Join(dir, "qemu-system-x86_64"), filepath.Join(dir, "runs")
	script := fmt.Sprintf(`#!/bin/sh
ulimit -c 0
accel= cpu=
while [ $# -gt 0 ]; do
	case $1 in
	-accel) accel=$2; shift ;;
	-cpu) cpu=$2; shift ;;
	esac
	shift
done
echo "$accel $cpu" >>'%s'
if [ "$accel" = tcg ]; then
	echo "tcg $cpu"
	exit 11
fi
%s
`, log, kvmScript)
	if err := os.WriteFile(binary, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return binary, log
}

// What a software KVM makes QEMU do, and what a working one does.
const (
	// The kernel's first SSE instruction; QEMU then pauses.
	kvmInternalError = `printf 'KVM internal error. Suberror: 1\nextra data[0]: 0x0000000000000001\nemulation failure\nRIP=00000000004f2c32 RFL=00000002\n' >&2
exec sleep 60`
	// -cpu max or host at start: an MSR KVM refuses, then an assertion.
	kvmMSRAbort = `echo 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69' >&2
echo "qemu-system-x86_64: ../target/i386/kvm/kvm.c:2957: kvm_buf_set_msrs: Assertion \` + "`" + `ret == cpu->kvm_msr_buf->nmsrs' failed." >&2
kill -ABRT $$`
	kvmExitError = `echo 'qemu-system-x86_64: failed to initialize kvm: Permission denied' >&2
exit 1`
	kvmPrintsThenFails = `echo 'Linux-style banner'
sleep 0.2
printf 'KVM internal error. Suberror: 1\nemulation failure\n' >&2
exec sleep 60`
	kvmWorks = `echo "kvm $cpu"
exit 11`
)

// bootFake boots the fake QEMU with the accelerator chosen for host and
// $GOPREEMPT_ACCEL=forced, the way qemurun does.
func bootFake(t *testing.T, binary, forced string, host kvmHost, ownGroup bool) (res result, console, notes string, took time.Duration) {
	t.Helper()
	cfg, _, err := configFromEnv(func(k string) string {
		if k == "GOPREEMPT_ACCEL" {
			return forced
		}
		return ""
	}, host)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Binary, cfg.Image = binary, "/nonexistent.img"
	var out syncBuffer
	var n strings.Builder
	cw := newConsoleWriter(&out, nil)
	start := time.Now()
	res = runQEMU(cfg, runOptions{Console: cw, OwnGroup: ownGroup, Timeout: 30 * time.Second}, &n)
	took = time.Since(start)
	cw.Close()
	return res, out.String(), n.String(), took
}

func readLog(t *testing.T, log string) string {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestKVMFallback(t *testing.T) {
	realKVM := kvmHost{CPUInfo: cpuinfoIntel}
	cases := []struct {
		name  string
		kvm   string
		why   string // in the one line announcing the rerun
		group bool
	}{
		{"internal error", kvmInternalError, "(KVM internal error. Suberror: 1)", true},
		{"internal error, QEMU in our group", kvmInternalError, "(KVM internal error. Suberror: 1)", false},
		{"MSR abort at start", kvmMSRAbort, "(qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69)", true},
		{"start failure", kvmExitError, "(qemu-system-x86_64 failed (exit status 1): qemu-system-x86_64: failed to initialize kvm: Permission denied)", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			binary, log := fakeQEMU(t, c.kvm)
			res, console, notes, took := bootFake(t, binary, "", realKVM, c.group)
			wantOutcome(t, res, 5)
			want := "qemurun: KVM could not run the kernel " + c.why + "; rerunning under TCG\n"
			if notes != want {
				t.Errorf("notes %q, want the one line %q", notes, want)
			}
			if runs := readLog(t, log); runs != "kvm host\ntcg max\n" {
				t.Errorf("runs (accel, cpu) %q, want KVM with host, then TCG with max", runs)
			}
			if console != "tcg max\n" {
				t.Errorf("console %q: the KVM run's output or the TCG run's missing", console)
			}
			if took > 10*time.Second {
				t.Errorf("fallback took %v: the paused QEMU was not stopped", took)
			}
		})
	}
}

func TestKVMNoFallback(t *testing.T) {
	realKVM := kvmHost{CPUInfo: cpuinfoIntel}
	t.Run("real KVM runs the kernel", func(t *testing.T) {
		binary, log := fakeQEMU(t, kvmWorks)
		res, console, notes, _ := bootFake(t, binary, "", realKVM, true)
		wantOutcome(t, res, 5)
		if notes != "" || readLog(t, log) != "kvm host\n" || console != "kvm host\n" {
			t.Errorf("notes %q, runs %q, console %q; want one KVM run, nothing said", notes, readLog(t, log), console)
		}
	})
	t.Run("forced kvm", func(t *testing.T) {
		binary, log := fakeQEMU(t, kvmInternalError)
		res, _, notes, took := bootFake(t, binary, "kvm", kvmHost{CPUInfo: cpuinfoSoftware}, true)
		wantOutcome(t, res, exitQEMUFailed)
		if notes != "" || readLog(t, log) != "kvm host\n" {
			t.Errorf("forced KVM fell back: notes %q, runs %q", notes, readLog(t, log))
		}
		if took > 5*time.Second {
			t.Errorf("a paused QEMU took %v to stop", took)
		}
	})
	t.Run("kernel printed before the error", func(t *testing.T) {
		binary, log := fakeQEMU(t, kvmPrintsThenFails)
		res, console, notes, _ := bootFake(t, binary, "", realKVM, true)
		wantOutcome(t, res, exitQEMUFailed)
		if notes != "" || readLog(t, log) != "kvm host\n" || console != "Linux-style banner\n" {
			t.Errorf("notes %q, runs %q, console %q; want no rerun once the kernel has printed", notes, readLog(t, log), console)
		}
	})
	t.Run("forced tcg", func(t *testing.T) {
		binary, log := fakeQEMU(t, kvmWorks)
		res, _, _, _ := bootFake(t, binary, "tcg", realKVM, true)
		wantOutcome(t, res, 5)
		if runs := readLog(t, log); runs != "tcg max\n" {
			t.Errorf("runs %q, want TCG with max only", runs)
		}
	})
	t.Run("software KVM is not tried", func(t *testing.T) {
		binary, log := fakeQEMU(t, kvmInternalError)
		res, _, _, _ := bootFake(t, binary, "", kvmHost{CPUInfo: cpuinfoSoftware}, true)
		wantOutcome(t, res, 5)
		if runs := readLog(t, log); runs != "tcg max\n" {
			t.Errorf("runs %q, want TCG with max only", runs)
		}
	})
}

// The whole of qemurun with the fake QEMU first on $PATH: a KVM internal
// error under GOPREEMPT_ACCEL=kvm ends the run at once with 126 and says
// what happened; a signal that kills QEMU is named.
func TestRunKVMInternalError(t *testing.T) {
	cleanEnv(t)
	binary, log := fakeQEMU(t, kvmInternalError)
	t.Setenv("PATH", filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("GOPREEMPT_ACCEL", "kvm")
	kernel := writeKernel(t, mbtest.Exit(0))
	var out, errOut strings.Builder
	start := time.Now()
	code := run([]string{"-timeout=30s", kernel}, &out, &errOut)
	took := time.Since(start)
	if code != exitQEMUFailed {
		t.Errorf("exit status %d, want %d; stderr %q", code, exitQEMUFailed, errOut.String())
	}
	if took > 5*time.Second {
		t.Errorf("run took %v; a KVM internal error must end it within about a second", took)
	}
	want := "qemurun: KVM could not run the kernel (KVM internal error. Suberror: 1); GOPREEMPT_ACCEL=tcg runs it under QEMU's emulator\n"
	if !strings.HasSuffix(errOut.String(), want) || !strings.Contains(errOut.String(), "emulation failure") {
		t.Errorf("stderr %q; want QEMU's report, then %q", errOut.String(), want)
	}
	if strings.Contains(errOut.String(), "rerunning") || readLog(t, log) != "kvm host\n" {
		t.Errorf("forced KVM fell back: stderr %q, runs %q", errOut.String(), readLog(t, log))
	}
}

func TestRunQEMUKilledBySignal(t *testing.T) {
	cleanEnv(t)
	binary, _ := fakeQEMU(t, `echo 'qemu-system-x86_64: warning: something' >&2
echo 'qemu-system-x86_64: ../util/qemu-thread-posix.c:92: qemu_mutex_lock_impl: Assertion failed.' >&2
kill -ABRT $$`)
	t.Setenv("PATH", filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("GOPREEMPT_ACCEL", "kvm")
	var out, errOut strings.Builder
	code := run([]string{"-timeout=30s", writeKernel(t, mbtest.Exit(0))}, &out, &errOut)
	want := "qemurun: qemu-system-x86_64 was killed by SIGABRT; its last message: qemu-system-x86_64: ../util/qemu-thread-posix.c:92: qemu_mutex_lock_impl: Assertion failed.\n"
	if code != exitQEMUFailed || !strings.HasSuffix(errOut.String(), want) {
		t.Errorf("exit %d, stderr %q; want %d and the verdict %q last", code, errOut.String(), exitQEMUFailed, want)
	}
}

func TestHasVirtFlag(t *testing.T) {
	for text, want := range map[string]bool{
		cpuinfoIntel:    true,
		cpuinfoAMD:      true,
		cpuinfoSoftware: false,
		"":              false,
		// Only the flags line counts, not a word elsewhere.
		"model name\t: vmx\nflags\t: fpu\n": false,
		"flags\t: fpu vmxe\n":               false,
	} {
		if got := hasVirtFlag(text); got != want {
			t.Errorf("hasVirtFlag(%q) = %v, want %v", text, got, want)
		}
	}
}
