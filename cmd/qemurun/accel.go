package main

// Accelerator choice: KVM or TCG.
//
// QEMU runs the kernel either under KVM, where the host CPU executes the
// guest's ring-0 code itself, or under TCG, QEMU's own emulator. TCG always
// works and is what the kernel is developed and tested against; KVM is much
// faster where it really exists. So KVM is chosen automatically only when
// both of these hold:
//
//   - /dev/kvm opens read-write. QEMU opens it O_RDWR before it creates a
//     virtual machine; a device node without membership of its group is
//     there but useless, and -accel kvm then fails at start.
//   - The CPU flags in /proc/cpuinfo include vmx (Intel VT-x) or svm (AMD-V).
//     Some hosts offer a software KVM that opens fine but interprets the
//     guest's ring-0 code and knows no SSE: QEMU aborts at start on an MSR
//     it cannot set ("failed to set MSR 0x10a", then an assertion in
//     kvm_buf_set_msrs), or the kernel dies at its first SSE instruction
//     ("KVM internal error. Suberror: 1"), after which QEMU pauses instead
//     of exiting. Without the hardware flag it cannot be the real thing.
//
// Under KVM the CPU model is "host" (what the CPU has, which KVM accepts);
// under TCG it is "max" (everything TCG emulates, AVX2 and XSAVE included).
// GOPREEMPT_CPU overrides either.
//
// Even a KVM that passes both checks may fail to run the kernel. When KVM
// was picked automatically and QEMU fails, or reports a KVM internal
// error, before the kernel printed anything, the run is repeated under TCG
// with one line saying why (runQEMU). Once the kernel has printed, a rerun
// would show its output twice and could repeat its effects, so the failure
// stands. GOPREEMPT_ACCEL=kvm or =tcg is taken as it is and never falls
// back: whoever forces KVM wants to see it fail.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// kvmHost is what the choice knows about the host's KVM.
type kvmHost struct {
	OpenErr error  // from opening /dev/kvm read-write; nil if it opened
	CPUInfo string // the text of /proc/cpuinfo; "" if unreadable
}

// probeKVMHost looks at this host's /dev/kvm and CPU flags.
func probeKVMHost() kvmHost {
	var h kvmHost
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err == nil {
		f.Close()
	}
	h.OpenErr = err
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		h.CPUInfo = string(b)
	}
	return h
}

// accelChoice is the accelerator and how it was arrived at.
type accelChoice struct {
	Accel string // "kvm" or "tcg"
	// Auto is set when KVM was chosen without being asked for, so that a
	// KVM that cannot run the kernel may be replaced by TCG.
	Auto bool
	// Note explains the choice where a user would otherwise wonder why
	// KVM is not used; "" when there is nothing to say.
	Note string
}

// chooseAccel decides the accelerator from $GOPREEMPT_ACCEL and what is
// known of the host. It reads nothing itself, so that the host tests can
// give it any host.
func chooseAccel(forced string, h kvmHost) (accelChoice, error) {
	switch forced {
	case "kvm", "tcg":
		return accelChoice{Accel: forced}, nil
	case "":
	default:
		return accelChoice{}, fmt.Errorf("GOPREEMPT_ACCEL=%q: want kvm or tcg", forced)
	}
	switch {
	case errors.Is(h.OpenErr, fs.ErrNotExist):
		// The usual case on a machine without virtualization: nothing
		// was expected, so nothing is said.
		return accelChoice{Accel: "tcg"}, nil
	case h.OpenErr != nil:
		return accelChoice{Accel: "tcg", Note: fmt.Sprintf("qemurun: /dev/kvm cannot be opened read-write (%v); using TCG", openReason(h.OpenErr))}, nil
	case !hasVirtFlag(h.CPUInfo):
		return accelChoice{Accel: "tcg", Note: "qemurun: /dev/kvm is a software KVM (no vmx/svm CPU flag); using TCG"}, nil
	}
	return accelChoice{Accel: "kvm", Auto: true}, nil
}

// openReason is the reason an open failed, without the path the message
// names already.
func openReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// hasVirtFlag reports whether the "flags" lines of /proc/cpuinfo name
// hardware virtualization: vmx (Intel) or svm (AMD).
func hasVirtFlag(cpuinfo string) bool {
	for _, line := range strings.Split(cpuinfo, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(key) != "flags" {
			continue
		}
		for _, f := range strings.Fields(val) {
			if f == "vmx" || f == "svm" {
				return true
			}
		}
	}
	return false
}

// cpuModel is the -cpu model for an accelerator when $GOPREEMPT_CPU does
// not name one.
func cpuModel(accel string) string {
	if accel == "kvm" {
		return "host"
	}
	return "max"
}

// underTCG is the configuration to rerun under when KVM could not run the
// kernel: TCG, with TCG's CPU model unless one was asked for.
func (c qemuConfig) underTCG() qemuConfig {
	c.Accel, c.CPU, c.KVMFallback = "tcg", c.TCGCPU, false
	return c
}

// runQEMU boots like boot, and when KVM was chosen automatically and could
// not run the kernel, says so in one line on notes and boots again under
// TCG.
func runQEMU(cfg qemuConfig, opt runOptions, notes io.Writer) result {
	res := boot(cfg, opt)
	if !cfg.KVMFallback || res.printed {
		return res
	}
	why, ok := kvmFailure(res)
	if !ok {
		return res
	}
	fmt.Fprintf(notes, "qemurun: KVM could not run the kernel (%s); rerunning under TCG\n", why)
	return boot(cfg.underTCG(), opt)
}

// kvmFailure reports whether a run under KVM failed in a way that TCG
// might not, and how, in a few words. A QEMU binary that cannot be
// started, a timeout or a status from the kernel are not KVM's doing.
func kvmFailure(r result) (string, bool) {
	if r.startErr != nil || r.timedOut || r.interrupted != nil {
		return "", false
	}
	if r.kvmError != "" {
		return r.kvmError, true
	}
	code, msg, aboutQEMU := outcome(r)
	if code != exitQEMUFailed || !aboutQEMU {
		return "", false
	}
	why := strings.TrimPrefix(msg, "qemurun: ")
	if last := lastLine(r.stderr); last != "" && !strings.Contains(why, last) {
		why += ": " + last
	}
	return why, true
}
