package main

import (
	"slices"
	"testing"
)

// GOPREEMPT_ICOUNT passes QEMU's -icount with that shift, and without it
// the machine runs in real time.
func TestICount(t *testing.T) {
	env := map[string]string{"GOPREEMPT_ACCEL": "tcg", "GOPREEMPT_ICOUNT": "0"}
	cfg, _, err := configFromEnv(func(k string) string { return env[k] }, kvmHost{})
	if err != nil {
		t.Fatal(err)
	}
	args := qemuArgs(cfg)
	i := slices.Index(args, "-icount")
	if i < 0 || i+1 >= len(args) || args[i+1] != "shift=0" {
		t.Errorf("no -icount shift=0: %q", args)
	}
	delete(env, "GOPREEMPT_ICOUNT")
	cfg, _, _ = configFromEnv(func(k string) string { return env[k] }, kvmHost{})
	if n := countOf(qemuArgs(cfg), "-icount"); n != 0 {
		t.Errorf("without GOPREEMPT_ICOUNT: %d -icount options, want 0", n)
	}
}
