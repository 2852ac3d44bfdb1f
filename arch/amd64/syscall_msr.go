package amd64

// SYSCALL at CPL 0 (SDM Vol. 2B, SYSCALL; Vol. 3A, 5.8.8). The Go runtime
// for linux/amd64 enters the kernel with SYSCALL, and SYSCALL works at any
// privilege level once EFER.SCE is set: it saves RIP in RCX and RFLAGS in
// R11, masks RFLAGS with IA32_FMASK, loads CS from STAR[47:32] and SS from
// that plus 8, and jumps to IA32_LSTAR, without changing the stack.
const (
	MSR_EFER  = 0xC0000080
	MSR_STAR  = 0xC0000081
	MSR_LSTAR = 0xC0000082
	MSR_FMASK = 0xC0000084

	EFER_SCE = 1 << 0
	EFER_NXE = 1 << 11

	// RFLAGS bits cleared on SYSCALL: TF, IF, DF, IOPL, NT, RF, AC, ID.
	// IF off makes the stack switch in syscallEntry atomic; DF off is
	// what the Go ABI (and the C ABI) assume. RF and ID as Linux clears
	// them too (syscall_init, arch/x86/kernel/cpu/common.c): kernel code
	// then runs with nothing in RFLAGS but the status flags and IF, which
	// is what lets syscallReturn restore RFLAGS without POPFQ.
	fmaskBits = 1<<8 | 1<<9 | 1<<10 | 3<<12 | 1<<14 | 1<<16 | 1<<18 | 1<<21
)

// CPUID.80000001H:ECX bit 0 reports LAHF/SAHF in 64-bit mode.
const cpuidLAHFSAHF = 1 << 0

// CR4.FSGSBASE enables RDFSBASE and WRFSBASE (SDM Vol. 3A, 2.5), which
// CPUID.(EAX=7,ECX=0):EBX bit 0 reports.
const (
	CR4FSGSBASE   = 1 << 16
	cpuidFSGSBASE = 1 << 0
)

// fsgsbase is set when the CPUs have FSGSBASE and CR4 enables it: the
// system-call path (entry_amd64.s) then reads and writes the FS base with
// RDFSBASE/WRFSBASE instead of RDMSR/WRMSR. Every CPU sets it the same way
// before it takes its first system call (QEMU's CPUs are all alike).
//
//lint:ignore U1000 read by entry_amd64.s (syscallEntry, syscallReturn)
var fsgsbase bool

// lahfsahf is set when SAHF works in 64-bit mode: syscallReturn's fast
// path sets the status flags with it (every x86-64 CPU since 2006 has
// it, QEMU's included; without it every system call returns by IRETQ).
//
//lint:ignore U1000 read by entry_amd64.s (syscallReturn)
var lahfsahf bool

// EnableSyscall programs this CPU's SYSCALL MSRs, and CR4.FSGSBASE where
// the CPU has it.
func EnableSyscall() {
	if max, _, _, _ := Cpuid(0, 0); max < 7 {
		// no leaf 7: no FSGSBASE
	} else if _, b, _, _ := Cpuid(7, 0); b&cpuidFSGSBASE != 0 {
		WriteCR4(ReadCR4() | CR4FSGSBASE)
		fsgsbase = true
	}
	if max, _, _, _ := Cpuid(0x80000000, 0); max >= 0x80000001 {
		_, _, c, _ := Cpuid(0x80000001, 0)
		lahfsahf = c&cpuidLAHFSAHF != 0
	}
	Wrmsr(MSR_EFER, Rdmsr(MSR_EFER)|EFER_SCE)
	Wrmsr(MSR_STAR, uint64(KernelCS)<<32|uint64(KernelCS)<<48)
	Wrmsr(MSR_LSTAR, uint64(syscallEntryAddr()))
	Wrmsr(MSR_FMASK, fmaskBits)
}
