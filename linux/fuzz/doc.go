// Package fuzz holds the system-call fuzzer, a kernel-mode test (its
// _test.go files; this package has no code of its own).
//
// Several goroutines issue random Linux system calls through
// syscall.Syscall6, exactly as the runtime and the os package enter the
// kernel: numbers from the table the kernel implements and numbers it
// does not, arguments drawn from small integers, -1 and huge values,
// valid pointers into a scratch mapping and pointers that are not the
// caller's memory (NULL, the low 64 KiB, kernel text, a PROT_NONE page,
// an unmapped address, the kernel-stack region, non-canonical
// addresses), descriptors the fuzzer opened, closed and impossible ones,
// and huge lengths. What it checks:
//
//   - every call returns a value or -errno (1..4095), and an unknown
//     number returns ENOSYS;
//   - nothing oopses (an oops ends the test binary) and nothing hangs (a
//     watchdog names the call that has not returned in 20 s);
//   - no mmap returns memory another goroutine holds a mapping of (the
//     kernel placing a mapping over a live one, or a record the fuzzer
//     kept of memory no longer its own, with which its later mprotect or
//     munmap would reach the runtime's memory);
//   - afterwards, with every descriptor and mapping the fuzzer made taken
//     back and its directory removed, the kernel holds what it held
//     before: the same descriptors, the same tmpfs frames and inodes, and
//     the same frames outside the Go heap and the page tables, up to one
//     kernel stack per runtime thread started meanwhile;
//   - a bad user pointer gives EFAULT (TestEFAULT, call by call).
//
// Calls that would end the program or the test, or take memory or state
// the runtime relies on, are left out or given tamed arguments; the
// table in fuzz_test.go says why for each. The run is reproducible per
// goroutine from its seed (-fuzz.seed; printed at the start), and a
// failure prints the call and its arguments. `make fuzz-syscalls N=...`
// runs a long one.
package fuzz
