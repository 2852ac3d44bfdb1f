// Package linuxcmp holds benchmarks that run unchanged on gopreempt and
// on Linux: one test binary, booted by bin/qemurun in gopreempt's QEMU,
// or run as an ordinary static program on a Linux guest in the same QEMU
// (same CPU count and memory). They use only the Go runtime and Linux's
// system-call interface, so the two kernels are measured doing the same
// thing. docs/benchmarks.md has the tables, interleaved runs of both
// kernels, in wall time under TCG and in guest instructions under
// QEMU's -icount shift=0, and the commands that made them.
package linuxcmp_test

import (
	"os"
	"testing"

	"gopreempt/boot"
)

// TestMain runs the benchmarks wherever the binary runs: inside
// gopreempt when booted by it, and as a plain Linux program otherwise.
// On the build host itself a plain go test has nothing to run: the
// package has only benchmarks.
func TestMain(m *testing.M) {
	_ = boot.Booted() // links the kernel in, so that qemurun can boot the binary
	os.Exit(m.Run())
}
