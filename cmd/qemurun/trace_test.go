package main

import (
	"slices"
	"testing"
)

// GOPREEMPT_TRACE connects COM2, the kernel's trace port, to a file: a
// second -serial after the console's, so QEMU numbers it COM2.
func TestTracePort(t *testing.T) {
	env := map[string]string{"GOPREEMPT_ACCEL": "tcg", "GOPREEMPT_TRACE": "/tmp/run.trace"}
	cfg, _, err := configFromEnv(func(k string) string { return env[k] }, kvmHost{})
	if err != nil {
		t.Fatal(err)
	}
	args := qemuArgs(cfg)
	first := slices.Index(args, "-serial")
	if first < 0 || args[first+1] != "stdio" {
		t.Fatalf("console is not the first -serial: %q", args)
	}
	second := first + 2 + slices.Index(args[first+2:], "-serial")
	if second < first+2 || args[second+1] != "file:/tmp/run.trace" {
		t.Errorf("no second -serial file:/tmp/run.trace: %q", args)
	}
	delete(env, "GOPREEMPT_TRACE")
	cfg, _, _ = configFromEnv(func(k string) string { return env[k] }, kvmHost{})
	if n := countOf(qemuArgs(cfg), "-serial"); n != 1 {
		t.Errorf("without GOPREEMPT_TRACE: %d -serial options, want 1", n)
	}
}

func countOf(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}
