package boot

import (
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/mm"
)

// The AP trampoline page (see trampoline_amd64.s for the code). It sits at
// 0x8000: below 1 MiB as a start-up IPI requires, page-aligned because the
// SIPI vector is a page number, clear of the real-mode IVT and BIOS data
// (0-0x500), of the EBDA near 640 KiB and of the boot page tables at
// 0x6f000-0x75fff. mm reserves the whole first MiB, so nothing else is
// ever put there. (QEMU's loader leaves the Multiboot memory map near
// 0x9000, but readMultiboot has copied it long before APs start.)
//
// The page is below mm.MmapMinAddr, which the kernel's page tables leave
// unmapped so that nil pointers fault. The boot CPU writes it through
// mm's low-memory alias, and the APs run it on page tables of their own
// (mm.TrampolinePGD) until apEntry64 loads the kernel's.
const (
	trampolineBase    = 0x8000
	sipiVector        = trampolineBase >> 12
	trampolineCodeLen = 0x5f  // bytes of apTrampoline
	mailboxOff        = 0x800 // trampolineMailbox, inside the same page
)

// GDT descriptors of the trampoline (SDM Vol. 3A, 3.4.5): flat 4 GiB,
// DPL 0. The 32-bit code segment has D=1; the 64-bit one L=1 (and D=0,
// as 64-bit code segments require, 5.2.1).
const (
	trampCode32 = 0x00cf9a000000ffff
	trampData   = 0x00cf92000000ffff
	trampCode64 = 0x00af9a000000ffff
)

// IA32_EFER bits (SDM Vol. 4, table 2-2).
const (
	eferLME = 1 << 8
	eferLMA = 1 << 10 // read-only status: long mode active
)

// trampolineMailbox is the data the trampoline code reads, at fixed
// addresses that are written into its instructions (the comment at the
// top of trampoline_amd64.s lists them; trampoline_test.go checks that
// the two agree).
type trampolineMailbox struct {
	gdt      [4]uint64 // +0x00
	_        [3]uint16
	gdtLimit uint16 // +0x26: LGDT reads limit, then base
	gdtBase  uint32 // +0x28
	cr3      uint32 // +0x2c
	efer     uint64 // +0x30: WRMSR takes it as EDX:EAX
	entry    uint64 // +0x38
}

//lint:ignore U1000 bytes only, whose address trampolineCode returns: never called
func apTrampoline()

func trampolineCode() uintptr

//lint:ignore U1000 the trampoline jumps to it, at the address apEntry64Addr returns
func apEntry64()

func apEntry64Addr() uintptr

func mailbox() *trampolineMailbox {
	return (*trampolineMailbox)(addr.Ptr(mm.PhysToVirt(trampolineBase + mailboxOff)))
}

// apKernelCR3 is the kernel's CR3, which apEntry64 loads in place of the
// trampoline's page tables.
//
//lint:ignore U1000 read by apEntry64
var apKernelCR3 uint64

// installTrampoline copies the code into the trampoline page and fills in
// the mailbox: the GDT, the trampoline's page tables, and the boot CPU's
// EFER, so that every AP has the same NX setting (an AP without EFER.NXE
// would take a reserved-bit page fault on the first NX mapping it
// touches, such as the trampoline's own page tables: SDM Vol. 3A, 4.6.2).
// LMA is a status bit and is not written back; LME is what the trampoline
// needs. It reports false when the trampoline's page tables cannot be
// built or lie above 4 GiB, where the 32-bit MOV CR3 in the trampoline
// cannot reach them.
func installTrampoline() bool {
	cr3, ok := mm.TrampolinePGD(trampolineBase)
	if !ok || cr3 >= 1<<32 {
		return false
	}
	apKernelCR3 = amd64.ReadCR3()
	dst := (*[trampolineCodeLen]byte)(addr.Ptr(mm.PhysToVirt(trampolineBase)))
	*dst = *(*[trampolineCodeLen]byte)(addr.Ptr(trampolineCode()))
	mb := mailbox()
	mb.gdt = [4]uint64{0, trampCode32, trampData, trampCode64}
	mb.gdtLimit = uint16(unsafe.Sizeof(mb.gdt) - 1)
	mb.gdtBase = trampolineBase + mailboxOff
	mb.cr3 = uint32(cr3)
	mb.efer = amd64.Rdmsr(amd64.MSR_EFER)&^eferLMA | eferLME
	mb.entry = uint64(apEntry64Addr())
	return true
}
