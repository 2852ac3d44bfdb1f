package main

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestQEMUArgs(t *testing.T) {
	cfg := qemuConfig{
		Image: "/tmp/k.img", Cmdline: "panic=exit -- -test.v=true",
		Mem: "1G", SMP: "2", CPU: "max", Accel: "tcg",
	}
	want := []string{
		"-kernel", "/tmp/k.img",
		"-append", "panic=exit -- -test.v=true",
		"-no-reboot",
		"-display", "none",
		"-serial", "stdio",
		"-monitor", "none",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		"-m", "1G",
		"-smp", "2",
		"-cpu", "max",
		"-accel", "tcg",
	}
	if got := qemuArgs(cfg); !slices.Equal(got, want) {
		t.Errorf("qemuArgs =\n%q\nwant\n%q", got, want)
	}
	// Under TCG nothing may ask for KVM (-enable-kvm, -cpu host, kvm=on).
	if got := strings.Join(qemuArgs(cfg), " "); strings.Contains(got, "kvm") || strings.Contains(got, "host") {
		t.Errorf("TCG command line mentions KVM-only settings: %s", got)
	}

	cfg.Monitor = true
	got := qemuArgs(cfg)
	if i := slices.Index(got, "-serial"); i < 0 || got[i+1] != "mon:stdio" {
		t.Errorf("interactive run does not use -serial mon:stdio: %q", got)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	noKVM := kvmHost{OpenErr: fs.ErrNotExist}
	haveKVM := kvmHost{CPUInfo: "flags\t\t: fpu sse2 vmx avx2\n"}

	cfg, _, err := configFromEnv(env(nil), noKVM)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Binary != "qemu-system-x86_64" || cfg.Mem != "1G" || cfg.SMP != "1" || cfg.CPU != "max" || cfg.Accel != "tcg" || cfg.KVMFallback {
		t.Errorf("defaults without KVM: %+v", cfg)
	}
	// Under KVM the CPU model is one KVM accepts; TCG's is kept for the
	// fallback.
	if cfg, _, _ := configFromEnv(env(nil), haveKVM); cfg.Accel != "kvm" || cfg.CPU != "host" || !cfg.KVMFallback || cfg.TCGCPU != "max" {
		t.Errorf("usable KVM: %+v, want kvm, -cpu host, falling back to TCG with max", cfg)
	}
	if cfg, _, _ := configFromEnv(env(map[string]string{"GOPREEMPT_CPU": "Haswell"}), haveKVM); cfg.CPU != "Haswell" || cfg.TCGCPU != "Haswell" {
		t.Errorf("GOPREEMPT_CPU under KVM: %+v", cfg)
	}

	cfg, _, err = configFromEnv(env(map[string]string{
		"GOPREEMPT_MEM": "256M", "GOPREEMPT_SMP": "4", "GOPREEMPT_CPU": "qemu64", "GOPREEMPT_ACCEL": "tcg",
	}), haveKVM)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Mem != "256M" || cfg.SMP != "4" || cfg.CPU != "qemu64" || cfg.Accel != "tcg" {
		t.Errorf("overrides not applied: %+v", cfg)
	}
	if cfg, _, _ := configFromEnv(env(map[string]string{"GOPREEMPT_ACCEL": "kvm"}), noKVM); cfg.Accel != "kvm" || cfg.CPU != "host" || cfg.KVMFallback {
		t.Errorf("forced kvm: %+v, want kvm, -cpu host, no fallback", cfg)
	}
	if _, _, err := configFromEnv(env(map[string]string{"GOPREEMPT_ACCEL": "hvf"}), noKVM); err == nil {
		t.Error("GOPREEMPT_ACCEL=hvf accepted")
	}
}
