// Package system holds the system tests: host-side tests that build small
// programs linked with the kernel (testdata/NAME/main.go, each importing
// gopreempt/boot), boot them under QEMU with cmd/qemurun, and check what
// the machine printed and the exit status qemurun reported. They test the
// whole path a user sees, from the kernel's console output to the status
// that make and go test act on.
//
// They need qemu-system-x86_64 on PATH and are skipped without it.
package system
