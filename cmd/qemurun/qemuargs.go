package main

import (
	"fmt"
	"os"
	"strings"
)

// qemuConfig is everything that decides the QEMU command line.
type qemuConfig struct {
	Binary  string // QEMU executable; qemu-system-x86_64 unless a test overrides it
	Image   string // flat Multiboot image for -kernel
	Cmdline string // -append
	Mem     string // -m
	SMP     string // -smp
	CPU     string // -cpu
	Accel   string // "kvm" or "tcg"
	// Monitor multiplexes the QEMU monitor onto the serial console
	// (-serial mon:stdio), so Ctrl-A X quits and Ctrl-A C opens the
	// monitor. Only useful when a person is typing on a terminal.
	Monitor bool
}

const qemuBinary = "qemu-system-x86_64"

// configFromEnv fills in the machine settings from $GOPREEMPT_MEM, _SMP,
// _CPU and _ACCEL, with the defaults the kernel is developed against.
func configFromEnv(getenv func(string) string, kvmUsable func() bool) (qemuConfig, error) {
	or := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	accel, err := chooseAccel(getenv("GOPREEMPT_ACCEL"), kvmUsable)
	if err != nil {
		return qemuConfig{}, err
	}
	return qemuConfig{
		Binary: qemuBinary,
		Mem:    or("GOPREEMPT_MEM", "1G"),
		SMP:    or("GOPREEMPT_SMP", "1"),
		// "max" is every feature the accelerator can provide; under TCG
		// that is what QEMU emulates, so it needs nothing from KVM.
		CPU:   or("GOPREEMPT_CPU", "max"),
		Accel: accel,
	}, nil
}

// chooseAccel honours an explicit "kvm" or "tcg" and otherwise uses KVM
// only when it is actually usable, since -accel kvm without it is fatal.
func chooseAccel(forced string, kvmUsable func() bool) (string, error) {
	switch forced {
	case "kvm", "tcg":
		return forced, nil
	case "":
		if kvmUsable() {
			return "kvm", nil
		}
		return "tcg", nil
	}
	return "", fmt.Errorf("GOPREEMPT_ACCEL=%q: want kvm or tcg", forced)
}

// kvmUsable reports whether /dev/kvm can be opened read-write, which is
// what QEMU does before it can create a KVM virtual machine. Existence
// alone is not enough: without membership of the kvm group it is there
// but useless.
func kvmUsable() bool {
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return false
	}
	f.Close()
	// A software KVM (no vmx/svm flag) opens fine but cannot run the kernel.
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return false
	}
	for _, f := range strings.Fields(string(b)) {
		if f == "vmx" || f == "svm" {
			return true
		}
	}
	return false
}

// qemuArgs is the QEMU argument list (without the program name).
func qemuArgs(c qemuConfig) []string {
	serial := "stdio"
	if c.Monitor {
		serial = "mon:stdio"
	}
	return []string{
		"-kernel", c.Image,
		"-append", c.Cmdline,
		// A triple fault resets the CPU; without this QEMU would reboot
		// into the kernel forever instead of exiting with status 0.
		"-no-reboot",
		"-display", "none",
		// COM1 is the kernel console; stdio lets us read it as a pipe.
		"-serial", serial,
		// No separate monitor: with -display none QEMU would otherwise
		// want to attach one to stdio as well.
		"-monitor", "none",
		// Writing V to port 0xf4 makes QEMU exit with (V<<1)|1; see
		// internal/exitstatus.
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		"-m", c.Mem,
		"-smp", c.SMP,
		"-cpu", c.CPU,
		"-accel", c.Accel,
	}
}
