// Package ktest is the glue for kernel-mode tests: ordinary Go tests that
// run inside the kernel. A package's kernel-mode test file imports this
// package (which links the kernel into the test binary) and calls Main
// from its TestMain. `make kerneltest` builds the test binary with the
// kernel's entry point and runs it with `go test -exec bin/qemurun`,
// which boots it in QEMU; go test prints and judges the results as usual.
//
// Run on the host by a plain `go test`, the same binary is an ordinary
// Linux program without the kernel: Main then skips the tests, saying so.
package ktest

import (
	"fmt"
	"os"
	"testing"

	"gopreempt/boot"
)

// Main runs the tests when booted on gopreempt, and skips them otherwise.
func Main(m *testing.M) {
	if !boot.Booted() {
		fmt.Println("ktest: kernel-mode tests, skipped on the host (run them with make kerneltest)")
		os.Exit(0)
	}
	os.Exit(m.Run())
}
