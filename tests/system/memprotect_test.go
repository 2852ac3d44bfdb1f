package system

import (
	"strings"
	"testing"
)

// Page protection (mm/protect.go), end to end: each access that
// testdata/memprotect makes in a goroutine must fault, and the oops must
// say what it ran into, in the words of Linux's page-fault oops. Until
// faults in goroutine code become signals, every case ends with the oops
// status; a run in which the access went through prints so and exits 0.
//
//   - nilread, nilwrite: a field of a nil pointer, at address 8. Nothing
//     is mapped below 64 KiB, so this is a NULL pointer dereference, and
//     the report finishes on the goroutine with its Go traceback;
//   - lowaddr: address 0x8000, the AP trampoline's page, read after four
//     CPUs came up through it: the APs ran it on their own page tables,
//     and the kernel's never map it;
//   - textwrite, rodatawrite: stores into a function's code and into a
//     string constant's bytes: read-only pages, and CR0.WP makes ring 0
//     honour that;
//   - heapexec: a call into a heap buffer that holds a RET: NX.
func TestMemoryProtection(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	for _, tc := range []struct {
		mode, smp string
		want      []string
	}{
		{"nilread", "", []string{
			"(NULL pointer dereference)",
			"BUG: kernel NULL pointer dereference, address: 0000000000000008",
			"#PF: supervisor read access in kernel mode",
			"#PF: error_code(0x0) - not-present page",
			"Go traceback:", "main.access(",
		}},
		{"nilwrite", "", []string{
			"(NULL pointer dereference)",
			"BUG: kernel NULL pointer dereference, address: 0000000000000008",
			"#PF: supervisor write access in kernel mode",
			"#PF: error_code(0x2) - not-present page",
			"Go traceback:", "main.access(",
		}},
		{"lowaddr", "4", []string{
			"smp: 4 CPUs online",
			"(address below mmap_min_addr (64 KiB): never mapped)",
			"BUG: unable to handle page fault for address: 0000000000008000",
			"#PF: error_code(0x0) - not-present page",
		}},
		{"textwrite", "", []string{
			"(write to read-only kernel text)",
			"#PF: supervisor write access in kernel mode",
			"#PF: error_code(0x3) - permissions violation",
			"Code: MOVB $0xcc,",
		}},
		{"rodatawrite", "", []string{
			"(write to read-only kernel data (rodata))",
			"#PF: error_code(0x3) - permissions violation",
		}},
		{"heapexec", "", []string{
			"(instruction fetch from a no-execute (NX) page)",
			"#PF: supervisor instruction fetch in kernel mode",
			"#PF: error_code(0x11) - permissions violation",
			"(return address at RSP) main.access",
		}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			r := boot(t, buildKernel(t, "memprotect"), bootConfig{cmdline: "-- " + tc.mode, smp: tc.smp})
			if strings.Contains(r.output, "the access went through") {
				t.Fatalf("the %s access did not fault; output:\n%s", tc.mode, r.output)
			}
			r.wantStatus(t, statusOops)
			r.wantOutput(t, append([]string{"memprotect: " + tc.mode, "Oops: page fault (#PF)"},
				append(tc.want, "---[ end Kernel oops ]---")...)...)
		})
	}
}
