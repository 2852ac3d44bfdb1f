package main

// The vDSO's machine code, hand-assembled: four functions with the C
// calling convention (System V x86-64 psABI, 3.2), the way Linux's
// x86-64 vDSO provides them (arch/x86/entry/vdso/vclock_gettime.c,
// vgetcpu.c; lib/vdso/gettimeofday.c).
//
// The caller is the Go runtime's time.now, nanotime1 and walltime
// (runtime/time_linux_amd64.s, sys_linux_amd64.s): it has switched to
// the g0 stack and keeps values it needs afterwards in RBX, R12 and R14
// (g), which the C ABI makes callee-saved. So the code below uses only
// the caller-saved registers RAX, RCX, RDX, RSI, RDI and R8-R11, no XMM
// register (time.now returns to ABIInternal code, which expects X15 to
// be zero), and no stack beyond one return address.
//
// Time is read the way the kernel's own clock computes it
// (kernel/clock.go), from the data page the kernel keeps (vdso/vvar.go):
//
//	ns = basetime[clock] + ((rdtsc - cycle_last) * mult) >> shift
//
// with the product in 128 bits (MUL leaves it in RDX:RAX; SHRD shifts
// the pair), so that no delta, however long since cycle_last, can
// overflow. The data page is read inside a seqlock: seq is odd while the
// kernel rewrites the page, and a reader whose two readings of seq
// differ reads again (include/linux/seqlock.h, read_seqcount_begin and
// read_seqcount_retry). x86 does not reorder loads with other loads, so
// no fence is needed between the data reads and the second read of seq;
// LFENCE keeps RDTSC from running ahead of the loads before it, as
// Linux's rdtsc_ordered() does (SDM Vol. 2B, RDTSC).

// The data page's layout, as the code addresses it. vdso/vvar.go's
// struct has these offsets (the generated image.go carries them as
// constants, and vvar.go checks them at compile time).
const (
	vvarSeq        = 0  // uint32: the seqlock's count
	vvarGetcpuMode = 4  // uint32: 1 if RDTSCP reads the CPU number from TSC_AUX
	vvarCycleLast  = 8  // uint64: the TSC at which basetime holds
	vvarMult       = 16 // uint64: ns per TSC tick << shift
	vvarShift      = 24 // uint32
	vvarBasetime   = 32 // [2]int64: CLOCK_MONOTONIC's and CLOCK_REALTIME's ns at cycle_last
)

var vvarFields = map[string]int{
	"vvar.seq":        vvarSeq,
	"vvar.getcpumode": vvarGetcpuMode,
	"vvar.cycle_last": vvarCycleLast,
	"vvar.mult":       vvarMult,
	"vvar.shift":      vvarShift,
	"vvar.basetime":   vvarBasetime,
}

// Linux's clock ids (include/uapi/linux/time.h) and system-call numbers
// (arch/x86/entry/syscalls/syscall_64.tbl) that the code uses.
const (
	sysClockGettime = 228
	sysGetcpu       = 309

	// The clocks served here: REALTIME 0, MONOTONIC 1, MONOTONIC_RAW 4,
	// REALTIME_COARSE 5, MONOTONIC_COARSE 6, BOOTTIME 7. The CPU-time
	// clocks (2, 3) and every other id go to the system call.
	clocksServed = 1<<0 | 1<<1 | 1<<4 | 1<<5 | 1<<6 | 1<<7 // 0xf3
	// Those read from basetime[1], the wall clock: REALTIME, REALTIME_COARSE.
	clocksRealtime = 1<<0 | 1<<5 // 0x21
)

// The exported functions: each is a label in prog, and the symbol
// table names it twice, as __vdso_<name> (global) and <name> (weak),
// as Linux's vdso.lds.S does.
var functions = []string{"clock_gettime", "gettimeofday", "time", "getcpu"}

var prog = []insn{
	// int __vdso_clock_gettime(clockid_t clock /* EDI */, struct timespec *ts /* RSI */)
	{label: "clock_gettime", code: []byte{0x83, 0xff, 0x07}, asm: "cmp edi, 0x7"},
	{code: []byte{0x77, 0}, rel: relRel8, to: "clock_gettime.syscall", asm: "jnbe clock_gettime.syscall"}, // unsigned: negative ids too
	{code: []byte{0xb8, clocksServed, 0, 0, 0}, asm: "mov eax, 0xf3"},
	{code: []byte{0x0f, 0xa3, 0xf8}, asm: "bt eax, edi"}, // CF = bit clock of 0xf3
	{code: []byte{0x73, 0}, rel: relRel8, to: "clock_gettime.syscall", asm: "jnb clock_gettime.syscall"},
	{code: []byte{0xb8, clocksRealtime, 0, 0, 0}, asm: "mov eax, 0x21"},
	{code: []byte{0x0f, 0xa3, 0xf8}, asm: "bt eax, edi"},                                // CF = a wall clock
	{code: []byte{0x45, 0x19, 0xc0}, asm: "sbb r8d, r8d"},                               // R8 = CF ? 0xffffffff : 0
	{code: []byte{0x41, 0x83, 0xe0, 0x08}, asm: "and r8d, 0x8"},                         // R8 = offset of basetime[CF]
	{code: []byte{0xe8, 0, 0, 0, 0}, rel: relRel32, to: "do_hres", asm: "call do_hres"}, // RAX = ns
	{code: []byte{0x31, 0xd2}, asm: "xor edx, edx"},
	{code: []byte{0xb9, 0x00, 0xca, 0x9a, 0x3b}, asm: "mov ecx, 0x3b9aca00"},    // 1e9
	{code: []byte{0x48, 0xf7, 0xf1}, asm: "div rcx"},                            // RAX = s, RDX = ns % 1e9
	{code: []byte{0x48, 0x89, 0x06}, asm: "mov qword ptr [rsi], rax"},           // ts->tv_sec
	{code: []byte{0x48, 0x89, 0x56, 0x08}, asm: "mov qword ptr [rsi+0x8], rdx"}, // ts->tv_nsec
	{code: []byte{0x31, 0xc0}, asm: "xor eax, eax"},                             // return 0
	{code: []byte{0xc3}, asm: "ret"},
	{label: "clock_gettime.syscall", code: []byte{0xb8, sysClockGettime, 0, 0, 0}, asm: "mov eax, 0xe4"},
	{code: []byte{0x0f, 0x05}, asm: "syscall"}, // same arguments, in EDI and RSI; clobbers RCX, R11
	{code: []byte{0xc3}, asm: "ret"},

	// int __vdso_gettimeofday(struct timeval *tv /* RDI */, struct timezone *tz /* RSI */)
	{label: "gettimeofday", code: []byte{0x48, 0x85, 0xff}, asm: "test rdi, rdi"},
	{code: []byte{0x74, 0}, rel: relRel8, to: "gettimeofday.tz", asm: "jz gettimeofday.tz"},
	{code: []byte{0x41, 0xb8, 0x08, 0, 0, 0}, asm: "mov r8d, 0x8"},                      // basetime[1]: CLOCK_REALTIME
	{code: []byte{0xe8, 0, 0, 0, 0}, rel: relRel32, to: "do_hres", asm: "call do_hres"}, // RAX = ns
	{code: []byte{0x31, 0xd2}, asm: "xor edx, edx"},
	{code: []byte{0xb9, 0x00, 0xca, 0x9a, 0x3b}, asm: "mov ecx, 0x3b9aca00"},
	{code: []byte{0x48, 0xf7, 0xf1}, asm: "div rcx"},                  // RAX = s, RDX = ns % 1e9
	{code: []byte{0x48, 0x89, 0x07}, asm: "mov qword ptr [rdi], rax"}, // tv->tv_sec
	{code: []byte{0x48, 0x89, 0xd0}, asm: "mov rax, rdx"},
	{code: []byte{0x31, 0xd2}, asm: "xor edx, edx"},
	{code: []byte{0xb9, 0xe8, 0x03, 0, 0}, asm: "mov ecx, 0x3e8"},               // 1000
	{code: []byte{0x48, 0xf7, 0xf1}, asm: "div rcx"},                            // RAX = µs
	{code: []byte{0x48, 0x89, 0x47, 0x08}, asm: "mov qword ptr [rdi+0x8], rax"}, // tv->tv_usec
	{label: "gettimeofday.tz", code: []byte{0x48, 0x85, 0xf6}, asm: "test rsi, rsi"},
	{code: []byte{0x74, 0}, rel: relRel8, to: "gettimeofday.done", asm: "jz gettimeofday.done"},
	{code: []byte{0x48, 0xc7, 0x06, 0, 0, 0, 0}, asm: "mov qword ptr [rsi], 0x0"}, // tz_minuteswest = tz_dsttime = 0: UTC
	{label: "gettimeofday.done", code: []byte{0x31, 0xc0}, asm: "xor eax, eax"},
	{code: []byte{0xc3}, asm: "ret"},

	// time_t __vdso_time(time_t *t /* RDI */)
	{label: "time", code: []byte{0x41, 0xb8, 0x08, 0, 0, 0}, asm: "mov r8d, 0x8"},       // basetime[1]: CLOCK_REALTIME
	{code: []byte{0xe8, 0, 0, 0, 0}, rel: relRel32, to: "do_hres", asm: "call do_hres"}, // RAX = ns
	{code: []byte{0x31, 0xd2}, asm: "xor edx, edx"},
	{code: []byte{0xb9, 0x00, 0xca, 0x9a, 0x3b}, asm: "mov ecx, 0x3b9aca00"},
	{code: []byte{0x48, 0xf7, 0xf1}, asm: "div rcx"}, // RAX = s: the result
	{code: []byte{0x48, 0x85, 0xff}, asm: "test rdi, rdi"},
	{code: []byte{0x74, 0}, rel: relRel8, to: "time.done", asm: "jz time.done"},
	{code: []byte{0x48, 0x89, 0x07}, asm: "mov qword ptr [rdi], rax"}, // *t
	{label: "time.done", code: []byte{0xc3}, asm: "ret"},

	// int __vdso_getcpu(unsigned *cpu /* RDI */, unsigned *node /* RSI */, void *unused)
	// The kernel writes (node << 12) | cpu into IA32_TSC_AUX on every CPU
	// (vdso/getcpu.go), as Linux's setup_getcpu() does; RDTSCP reads it
	// into ECX in one instruction that a migration cannot split.
	{label: "getcpu", code: []byte{0x8b, 0x05, 0, 0, 0, 0}, rel: relVvar, to: "vvar.getcpumode", asm: "mov eax, dword ptr [vvar.getcpumode]"},
	{code: []byte{0x85, 0xc0}, asm: "test eax, eax"},
	{code: []byte{0x74, 0}, rel: relRel8, to: "getcpu.syscall", asm: "jz getcpu.syscall"}, // no RDTSCP
	{code: []byte{0x0f, 0x01, 0xf9}, asm: "rdtscp"},                                       // ECX = TSC_AUX; clobbers EAX, EDX
	{code: []byte{0x48, 0x85, 0xff}, asm: "test rdi, rdi"},
	{code: []byte{0x74, 0}, rel: relRel8, to: "getcpu.node", asm: "jz getcpu.node"},
	{code: []byte{0x89, 0xc8}, asm: "mov eax, ecx"},
	{code: []byte{0x25, 0xff, 0x0f, 0, 0}, asm: "and eax, 0xfff"}, // the CPU number
	{code: []byte{0x89, 0x07}, asm: "mov dword ptr [rdi], eax"},   // *cpu
	{label: "getcpu.node", code: []byte{0x48, 0x85, 0xf6}, asm: "test rsi, rsi"},
	{code: []byte{0x74, 0}, rel: relRel8, to: "getcpu.done", asm: "jz getcpu.done"},
	{code: []byte{0xc1, 0xe9, 0x0c}, asm: "shr ecx, 0xc"},       // the node number
	{code: []byte{0x89, 0x0e}, asm: "mov dword ptr [rsi], ecx"}, // *node
	{label: "getcpu.done", code: []byte{0x31, 0xc0}, asm: "xor eax, eax"},
	{code: []byte{0xc3}, asm: "ret"},
	{label: "getcpu.syscall", code: []byte{0xb8, 0x35, 0x01, 0, 0}, asm: "mov eax, 0x135"}, // sysGetcpu
	{code: []byte{0x0f, 0x05}, asm: "syscall"},
	{code: []byte{0xc3}, asm: "ret"},

	// do_hres: RAX = basetime[R8/8] + ((rdtsc - cycle_last) * mult) >> shift,
	// read under the seqlock (lib/vdso/gettimeofday.c, do_hres). Not
	// exported. In: R8 = 0 (monotonic) or 8 (realtime). Clobbers RCX,
	// RDX, R9, R10, R11.
	{label: "do_hres", code: []byte{0x4c, 0x8d, 0x15, 0, 0, 0, 0}, rel: relVvar, to: "vvar.basetime", asm: "lea r10, ptr [vvar.basetime]"},
	{label: "do_hres.retry", code: []byte{0x44, 0x8b, 0x0d, 0, 0, 0, 0}, rel: relVvar, to: "vvar.seq", asm: "mov r9d, dword ptr [vvar.seq]"},
	{code: []byte{0x41, 0xf6, 0xc1, 0x01}, asm: "test r9b, 0x1"},
	{code: []byte{0x74, 0}, rel: relRel8, to: "do_hres.read", asm: "jz do_hres.read"}, // even: no writer
	{code: []byte{0xf3, 0x90}, asm: "pause"},                                          // odd: the kernel is writing
	{code: []byte{0xeb, 0}, rel: relRel8, to: "do_hres.retry", asm: "jmp do_hres.retry"},
	{label: "do_hres.read", code: []byte{0x4c, 0x8b, 0x1d, 0, 0, 0, 0}, rel: relVvar, to: "vvar.cycle_last", asm: "mov r11, qword ptr [vvar.cycle_last]"},
	{code: []byte{0x8b, 0x0d, 0, 0, 0, 0}, rel: relVvar, to: "vvar.shift", asm: "mov ecx, dword ptr [vvar.shift]"},
	{code: []byte{0x0f, 0xae, 0xe8}, asm: "lfence"},
	{code: []byte{0x0f, 0x31}, asm: "rdtsc"}, // EDX:EAX = TSC
	{code: []byte{0x48, 0xc1, 0xe2, 0x20}, asm: "shl rdx, 0x20"},
	{code: []byte{0x48, 0x09, 0xd0}, asm: "or rax, rdx"},                                                             // RAX = TSC
	{code: []byte{0x4c, 0x29, 0xd8}, asm: "sub rax, r11"},                                                            // cycles since cycle_last
	{code: []byte{0x48, 0xf7, 0x25, 0, 0, 0, 0}, rel: relVvar, to: "vvar.mult", asm: "mul qword ptr [vvar.mult]"},    // RDX:RAX = cycles * mult
	{code: []byte{0x48, 0x0f, 0xad, 0xd0}, asm: "shrd rax, rdx, cl"},                                                 // RAX = product >> shift
	{code: []byte{0x4b, 0x03, 0x04, 0x02}, asm: "add rax, qword ptr [r10+r8]"},                                       // + basetime[clock]
	{code: []byte{0x44, 0x3b, 0x0d, 0, 0, 0, 0}, rel: relVvar, to: "vvar.seq", asm: "cmp r9d, dword ptr [vvar.seq]"}, // seq unchanged?
	{code: []byte{0x75, 0}, rel: relRel8, to: "do_hres.retry", asm: "jnz do_hres.retry"},
	{code: []byte{0xc3}, asm: "ret"},
}
