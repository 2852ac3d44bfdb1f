package mm

import "gopreempt/arch/amd64"

// nxBit is PTE_NX when the CPU supports no-execute pages (CPUID
// 0x80000001 EDX bit 20) and EFER.NXE is on; otherwise setting bit 63 in a
// page-table entry would be a reserved-bit fault (SDM Vol. 3A, 4.6.2).
var nxBit uint64

// Init prepares the allocator; boot then calls AddFree and Reserve.
func Init() {
	initFramesAllReserved()
	space.n = 0
	if _, _, _, d := amd64.Cpuid(0x80000001, 0); d&(1<<20) != 0 {
		amd64.Wrmsr(amd64.MSR_EFER, amd64.Rdmsr(amd64.MSR_EFER)|amd64.EFER_NXE)
		nxBit = PTE_NX
	}
}
