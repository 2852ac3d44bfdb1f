// Package amd64 holds everything that is specific to the x86-64 CPU: the
// instructions Go cannot express (port I/O, MSRs, control registers, the
// descriptor tables), the interrupt and SYSCALL entry code, and the context
// switch.
//
// The rest of the kernel never issues a privileged instruction itself; it
// calls the small, named wrappers in this package. Each wrapper is a few
// assembly instructions and is documented with the SDM rule it follows.
package amd64

// Port I/O (SDM Vol. 1, 18.2: IN/OUT in the I/O address space).
func Inb(port uint16) uint8
func Outb(port uint16, v uint8)

// Model-specific registers (SDM Vol. 4).
func Rdmsr(msr uint32) uint64
func Wrmsr(msr uint32, v uint64)

// Control registers (SDM Vol. 3A, 2.5).
func ReadCR0() uint64
func WriteCR0(v uint64)
func ReadCR2() uint64
func ReadCR3() uint64
func WriteCR3(v uint64)
func ReadCR4() uint64
func WriteCR4(v uint64)

// CR0_WP (write protect, bit 16): when set, ring 0 honours read-only
// page-table entries too (SDM Vol. 3A, 2.5 and 4.6.1).
const CR0_WP = 1 << 16

// Invlpg drops the TLB entry for the page that holds va (SDM Vol. 3A, 4.10.4.1).
func Invlpg(va uintptr)

// Cpuid executes CPUID with EAX=leaf and ECX=sub (SDM Vol. 2A, CPUID).
func Cpuid(leaf, sub uint32) (a, b, c, d uint32)

// Rdtsc reads the time-stamp counter (SDM Vol. 3B, 18.17).
func Rdtsc() uint64

// Xgetbv reads extended control register XCR[idx] (needs CR4.OSXSAVE).
func Xgetbv(idx uint32) uint64

// Xsetbv writes extended control register XCR[idx].
func Xsetbv(idx uint32, v uint64)

// Interrupt flag control (SDM Vol. 3A, 6.8.1).
func Cli()
func Sti()

// Flags returns RFLAGS; bit 9 (IF) tells whether interrupts are enabled.
func Flags() uint64

// Halt executes STI; HLT: interrupts are enabled and the CPU sleeps until
// the next one. STI delays recognition of interrupts by one instruction,
// so no interrupt can slip in between the two and leave the CPU asleep
// with work pending (SDM Vol. 2B, STI).
func Halt()

// HaltForever stops this CPU with interrupts disabled.
func HaltForever()

// Pause is the spin-wait hint for busy loops (SDM Vol. 2B, PAUSE).
func Pause()

// Lgdt, Lidt and Ltr load the descriptor-table registers and the task
// register from a pseudo-descriptor or selector.
func Lgdt(p uintptr)
func Lidt(p uintptr)
func Ltr(sel uint16)

// ReloadSegments reloads CS with selector cs (through a far return) and
// DS, ES, SS with ds after a new GDT has been loaded.
func ReloadSegments(cs, ds uint16)

// Int3 raises a breakpoint exception (used by tests of the oops path).
func Int3()

// RFLAGS bits.
const (
	FlagIF = 1 << 9 // interrupt enable
)

// InterruptsEnabled reports whether RFLAGS.IF is set on this CPU.
func InterruptsEnabled() bool { return Flags()&FlagIF != 0 }

// CompilerBarrier stops the Go compiler from moving memory accesses across
// it (it is an assembly call, which the compiler cannot see into). It is
// Linux's barrier(): preempt_disable() needs one so that the accesses it
// protects stay after the count is raised.
func CompilerBarrier()

// FramePointer returns the caller's frame pointer (RBP).
func FramePointer() uintptr
