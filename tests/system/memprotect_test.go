package system

import (
	"strings"
	"testing"
)

// Page protection (mm/protect.go), end to end: each access that
// testdata/memprotect makes in a goroutine must fault. In goroutine code
// the fault is SIGSEGV and the Go runtime's own report ends the run
// (exit 2, docs/signals.md); made inside preempt_disable() the same
// access is an oops, which must say what it ran into, in the words of
// Linux's page-fault oops. A run in which the access went through prints
// so and exits 0.
//
//   - nilread, nilwrite: a field of a nil pointer, at address 8. Nothing
//     is mapped below 64 KiB, so this is a NULL pointer dereference: Go's
//     nil-pointer panic, or the kernel's NULL-pointer oops;
//   - lowaddr: address 0x8000, the AP trampoline's page, read after four
//     CPUs came up through it: the APs ran it on their own page tables,
//     and the kernel's never map it;
//   - textwrite, rodatawrite: stores into a function's code and into a
//     string constant's bytes: read-only pages, and CR0.WP makes ring 0
//     honour that (a protection fault: SEGV_ACCERR, code=0x2);
//   - heapexec: a call into a heap buffer that holds a RET: NX.
func TestMemoryProtection(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	for _, tc := range []struct {
		mode, smp string
		signal    []string // Go's report of the signal
		oops      []string // the oops inside preempt_disable()
	}{
		{"nilread", "", []string{
			"panic: runtime error: invalid memory address or nil pointer dereference",
			"[signal SIGSEGV: segmentation violation code=0x1 addr=0x8 ",
		}, []string{
			"(NULL pointer dereference)",
			"BUG: kernel NULL pointer dereference, address: 0000000000000008",
			"#PF: supervisor read access in kernel mode",
			"#PF: error_code(0x0) - not-present page",
			"main.access",
		}},
		{"nilwrite", "", []string{
			"panic: runtime error: invalid memory address or nil pointer dereference",
			"[signal SIGSEGV: segmentation violation code=0x1 addr=0x8 ",
		}, []string{
			"(NULL pointer dereference)",
			"BUG: kernel NULL pointer dereference, address: 0000000000000008",
			"#PF: supervisor write access in kernel mode",
			"#PF: error_code(0x2) - not-present page",
			"main.access",
		}},
		{"lowaddr", "4", []string{
			"smp: 4 CPUs online",
			"unexpected fault address 0x8000",
			"[signal SIGSEGV: segmentation violation code=0x1 addr=0x8000 ",
		}, []string{
			"smp: 4 CPUs online",
			"(address below mmap_min_addr (64 KiB): never mapped)",
			"BUG: unable to handle page fault for address: 0000000000008000",
			"#PF: error_code(0x0) - not-present page",
		}},
		{"textwrite", "", []string{
			"unexpected fault address",
			"[signal SIGSEGV: segmentation violation code=0x2 ",
		}, []string{
			"(write to read-only kernel text)",
			"#PF: supervisor write access in kernel mode",
			"#PF: error_code(0x3) - permissions violation",
		}},
		{"rodatawrite", "", []string{
			"unexpected fault address",
			"[signal SIGSEGV: segmentation violation code=0x2 ",
		}, []string{
			"(write to read-only kernel data (rodata))",
			"#PF: error_code(0x3) - permissions violation",
		}},
		{"heapexec", "", []string{
			"unexpected fault address",
			"[signal SIGSEGV: segmentation violation code=0x2 ",
		}, []string{
			"(instruction fetch from a no-execute (NX) page)",
			"#PF: supervisor instruction fetch in kernel mode",
			"#PF: error_code(0x11) - permissions violation",
			"(return address at RSP) main.access",
		}},
	} {
		for _, atomic := range []bool{false, true} {
			name, args := tc.mode, "-- "+tc.mode
			if atomic {
				name, args = tc.mode+"/atomic", args+" atomic"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				r := boot(t, buildKernel(t, "memprotect"), bootConfig{cmdline: args, smp: tc.smp})
				if strings.Contains(r.output, "the access went through") {
					t.Fatalf("the %s access did not fault; output:\n%s", tc.mode, r.output)
				}
				if !atomic {
					r.wantStatus(t, statusGoFatal)
					r.wantOutput(t, append([]string{"memprotect: " + tc.mode}, tc.signal...)...)
					return
				}
				r.wantStatus(t, statusOops)
				r.wantOutput(t, append([]string{"memprotect: " + tc.mode, "Oops: page fault (#PF)", "in atomic context"},
					append(tc.oops, "---[ end Kernel oops ]---")...)...)
			})
		}
	}
}
