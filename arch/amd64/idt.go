package amd64

import "unsafe"

// The IDT (SDM Vol. 3A, 6.14.1): 256 16-byte interrupt gates, one per
// vector, all pointing at the stubs in vectors_amd64.s. Interrupt gates
// (type 0xE) clear RFLAGS.IF on entry, so handlers start with interrupts
// off; trap gates would not, and are not used.
//
// Every gate names an IST stack (SDM Vol. 3A, 6.14.5). The CPU runs at
// CPL 0 all the time, so without IST it would push the interrupt frame on
// whatever stack is current, which is often a small goroutine stack. The
// entry code moves the frame to the task's kernel stack at once (see
// entry_amd64.s), except for the vectors that must never share a stack
// with anything: #DF, NMI and #MC run on stacks of their own, and #PF has
// its own so that a fault in the entry path of another vector does not
// overwrite the frame being copied.
const (
	ISTDefault     = 1
	ISTDoubleFault = 2
	ISTNMI         = 3
	ISTPageFault   = 4
	ISTMachineChk  = 5
	ISTCount       = 5

	gateInterrupt = 0xe
)

// Exception vectors (SDM Vol. 3A, table 6-1).
const (
	VecDivide       = 0
	VecDebug        = 1
	VecNMI          = 2
	VecBreakpoint   = 3
	VecOverflow     = 4
	VecBound        = 5
	VecInvalidOp    = 6
	VecNoFPU        = 7
	VecDoubleFault  = 8
	VecInvalidTSS   = 10
	VecSegment      = 11
	VecStack        = 12
	VecGPF          = 13
	VecPageFault    = 14
	VecFPU          = 16
	VecAlignment    = 17
	VecMachineCheck = 18
	VecSIMD         = 19
	VecVirt         = 20
	VecControlProt  = 21

	// VecSyscall is not an IDT vector: the SYSCALL entry stores it in the
	// frame so that one Go dispatcher serves both paths.
	VecSyscall = 0x100

	// Nor are these: the entry code puts them in a frame in place of the
	// vector when it finds kernel code where it must not be
	// (entry_amd64.s). VecSyscallFromKernel: a SYSCALL whose caller was
	// in kernel context. VecStandInOverwritten: an interrupt or exception
	// in kernel context found the task's stand-in g with its stack guard
	// overwritten, the Go runtime's entersyscall's doing; the frame's
	// ErrorCode is then the vector that found it.
	VecSyscallFromKernel  = 0x101
	VecStandInOverwritten = 0x102
)

// vectorStubSize is the size of each slot of the stub table in
// vectors_amd64.s: vector v's stub is at vectorStubs + v*vectorStubSize.
const vectorStubSize = 16

// vectorStubs is the table of the 256 entry stubs.
//
//lint:ignore U1000 never called: the IDT gates point into it
func vectorStubs()

// vectorStubsAddr returns the address of vectorStubs.
func vectorStubsAddr() uintptr

// vectorAddr returns the address of the entry stub of vector v.
func vectorAddr(v int) uintptr { return vectorStubsAddr() + uintptr(v)*vectorStubSize }

var idt [256][2]uint64

// istFor chooses the IST slot of each vector.
func istFor(v int) int {
	switch v {
	case VecDoubleFault:
		return ISTDoubleFault
	case VecNMI:
		return ISTNMI
	case VecPageFault:
		return ISTPageFault
	case VecMachineCheck:
		return ISTMachineChk
	}
	return ISTDefault
}

// BuildIDT fills the IDT. It is shared by all CPUs.
func BuildIDT() {
	for v := 0; v < 256; v++ {
		h := uint64(vectorAddr(v))
		// SDM Vol. 3A, figure 6-8: offset 15..0, selector, IST, type,
		// DPL 0, present, offset 31..16, then offset 63..32.
		idt[v][0] = h&0xffff | KernelCS<<16 | uint64(istFor(v))<<32 |
			gateInterrupt<<40 | 1<<47 | (h>>16&0xffff)<<48
		idt[v][1] = h >> 32
	}
}

// LoadIDT loads the shared IDT on this CPU.
func LoadIDT() {
	var p pseudoDescriptor
	p.set(uintptr(unsafe.Pointer(&idt[0])), uint16(len(idt)*16-1))
	Lidt(uintptr(unsafe.Pointer(&p.b[0])))
}

// VectorName is the SDM's name for an exception vector.
func VectorName(v uint64) string {
	switch v {
	case VecDivide:
		return "divide error (#DE)"
	case VecDebug:
		return "debug (#DB)"
	case VecNMI:
		return "non-maskable interrupt (NMI)"
	case VecBreakpoint:
		return "breakpoint (#BP)"
	case VecOverflow:
		return "overflow (#OF)"
	case VecBound:
		return "BOUND range exceeded (#BR)"
	case VecInvalidOp:
		return "invalid opcode (#UD)"
	case VecNoFPU:
		return "device not available (#NM)"
	case VecDoubleFault:
		return "double fault (#DF)"
	case VecInvalidTSS:
		return "invalid TSS (#TS)"
	case VecSegment:
		return "segment not present (#NP)"
	case VecStack:
		return "stack-segment fault (#SS)"
	case VecGPF:
		return "general protection fault (#GP)"
	case VecPageFault:
		return "page fault (#PF)"
	case VecFPU:
		return "x87 floating-point error (#MF)"
	case VecAlignment:
		return "alignment check (#AC)"
	case VecMachineCheck:
		return "machine check (#MC)"
	case VecSIMD:
		return "SIMD floating-point exception (#XM)"
	case VecVirt:
		return "virtualization exception (#VE)"
	case VecControlProt:
		return "control protection (#CP)"
	case VecSyscall:
		return "system call"
	case VecSyscallFromKernel:
		return "system call from kernel context"
	case VecStandInOverwritten:
		return "kernel entry with the stand-in g's stack guard overwritten"
	}
	if v < 32 {
		return "reserved exception"
	}
	return "interrupt"
}
