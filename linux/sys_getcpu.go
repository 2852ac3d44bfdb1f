package linux

import (
	"gopreempt/arch/amd64"
	"gopreempt/percpu"
)

// getcpu(unsigned *cpu, unsigned *node, struct getcpu_cache *): the CPU
// the caller runs on, and its NUMA node (always 0: one node). As on
// Linux (kernel/sys.c) the answer may be stale by the time the caller
// reads it; the third argument is ignored. The vDSO's __vdso_getcpu
// answers without this call where the CPU has RDTSCP (vdso/getcpu.go).
const SYS_getcpu = 309

func sysGetcpu(f *amd64.TrapFrame) int64 {
	if f.RDI != 0 && !putUser32(uintptr(f.RDI), uint32(percpu.RawSmpProcessorID())) {
		return -EFAULT
	}
	if f.RSI != 0 && !putUser32(uintptr(f.RSI), 0) {
		return -EFAULT
	}
	return 0
}
