package vdso

import "gopreempt/arch/amd64"

// getcpu without a system call. Linux writes (node << 12) | cpu into
// IA32_TSC_AUX on every CPU as it comes up (setup_getcpu() in
// arch/x86/kernel/cpu/common.c), and its vDSO reads it back with RDPID
// or RDTSCP, one instruction that returns the number of the CPU it ran
// on: a migration can make the answer stale, never torn. This kernel
// does the same with RDTSCP (CPUID 0x80000001 EDX bit 27; SDM Vol. 2B,
// RDTSCP), which every x86-64 CPU of the last fifteen years has and
// QEMU's TCG emulates with -cpu max. Without it the data page says so
// and __vdso_getcpu makes the getcpu system call.
//
// Node: always 0, the kernel knows no NUMA.

const msrTSCAux = 0xc0000103 // IA32_TSC_AUX (SDM Vol. 4, table 2-2)

// hasRDTSCP reports whether the CPU has RDTSCP and IA32_TSC_AUX.
func hasRDTSCP() bool {
	_, _, _, d := amd64.Cpuid(0x80000001, 0)
	return d&(1<<27) != 0
}

// getcpuMode is the data page's getcpuMode: 1 when the vDSO may use
// RDTSCP.
func getcpuMode() uint32 {
	if hasRDTSCP() {
		return 1
	}
	return 0
}

// SetupGetcpu writes the CPU's number into IA32_TSC_AUX. Every CPU calls
// it for itself while it comes up (boot's initCPU), before it runs any
// task. No allocation.
func SetupGetcpu(cpu int) {
	if hasRDTSCP() {
		amd64.Wrmsr(msrTSCAux, uint64(cpu)&0xfff) // node 0 in bits 12 and up
	}
}
