package mm

import "gopreempt/arch/amd64"

// Memory protection: nil is never memory, kernel text cannot be written,
// and nothing but kernel text can be executed.
//
// The boot code identity-maps the first 4 GiB with 2 MiB pages that are
// present, writable and executable, from physical 0 up (boot/entry_amd64.s).
// On its own that makes three kinds of bug silent:
//
//   - a nil pointer, plus the small offset of a field, reads the BIOS's
//     interrupt table, and a store through it lands wherever it points.
//     Go's nil checks rely on the first page faulting (the compiler emits
//     explicit checks only for large offsets), as C programs on Linux rely
//     on nothing being mapped below vm.mmap_min_addr (64 KiB by default);
//   - a wild store into the kernel's code changes the code;
//   - a jump into data runs whatever bytes are there.
//
// ProtectKernel rebuilds the identity map at boot, while only the boot CPU
// runs and before any task exists:
//
//	0 .. MmapMinAddr     not present; what the kernel still needs there is
//	                     reached through LowMemAlias (lowmem.go), and the
//	                     APs run their trampoline on page tables of their
//	                     own (trampoline_pgd.go)
//	MmapMinAddr .. 2 MiB 4 KiB pages, writable, NX
//	kernel text          4 KiB pages, read-only, executable
//	kernel rodata        4 KiB pages, read-only, NX
//	kernel data and bss  4 KiB pages, writable, NX
//	everything else      2 MiB pages, writable, NX: free frames, task
//	                     structs, page tables, MMIO
//
// identityFlags is that table as code. The 2 MiB pages that hold the image
// are split into 4 KiB pages so that each segment (kernel_image.go) gets
// its own permissions, as Linux's ELF loader maps each PT_LOAD segment
// with the protection its p_flags give. The kernel stacks (kstack.go) and
// the runtime's heap (fault.go) are mapped NX from the start; only a
// PROT_EXEC mmap would make executable memory, and the runtime asks for
// none, since it generates no code.
//
// Two switches make the bits count (SDM Vol. 3A, 4.1.3 and 4.6): EFER.NXE,
// without which bit 63 of an entry is reserved (a fault if set), and
// CR0.WP, without which ring 0, where everything here runs, writes through
// read-only entries as if they were writable. InitCPU sets both on every
// CPU.
//
// The map is changed under the code that changes it. Each split builds the
// complete 4 KiB table first, with the same physical addresses, and
// installs it with one 8-byte store into the directory entry; the TLB is
// flushed after all changes (no entry is global, so a CR3 reload does it,
// SDM Vol. 3A, 4.10.4.1). Until then the CPU may use old translations or
// new ones, and both allow what this code does: run from text, write its
// stack and data. The image's pages are split before the other 2 MiB
// pages are made NX, so that no fetch of this code ever sees NX.

// InitCPU turns on, for the calling CPU, what makes page protection
// effective: CR0.WP and, when the CPU has it, EFER.NXE. Boot calls it on
// every CPU before the CPU runs any task. (The boot code and the AP
// trampoline already set both, because the page tables they load carry NX
// bits; this states the rule in one place and holds for any CPU.)
func InitCPU() {
	amd64.WriteCR0(amd64.ReadCR0() | amd64.CR0_WP)
	if nxBit != 0 {
		amd64.Wrmsr(amd64.MSR_EFER, amd64.Rdmsr(amd64.MSR_EFER)|amd64.EFER_NXE)
	}
}

// ProtectKernel applies the table above to the boot page tables. It
// returns "" on success, or why it could not (the image is not laid out
// as kernel_image.go expects, or there is no frame for a table), and boot
// then stops. Boot CPU only, before the other CPUs start.
func ProtectKernel() string {
	img, why := Image()
	if why != "" {
		return why
	}
	fl := space.lock.Lock()
	defer space.lock.Unlock(fl)
	if !mapLowMemAlias() {
		return "no frame for the low-memory alias"
	}
	// The first 2 MiB, for the unmapped low pages, and those holding the
	// kernel image. These go first, straight from the boot code's
	// permissions to their own: marking every 2 MiB page NX first would
	// take execution away from the code doing this, on the first fetch
	// from a page its TLB does not hold yet.
	if !splitIdentity(0, img) {
		return "no frame to split the first 2 MiB"
	}
	tlo, _ := img.TextPages()
	_, dhi := img.DataPages()
	for base := uint64(tlo) &^ (largePage - 1); base < uint64(dhi); base += largePage {
		if !splitIdentity(base, img) {
			amd64.WriteCR3(amd64.ReadCR3())
			return "no frame to split the kernel image's pages"
		}
	}
	setIdentityNX() // every page still 2 MiB: none holds the image
	amd64.WriteCR3(amd64.ReadCR3())
	protectedImage = img
	return ""
}

const largePage = 2 << 20

// identityFlags is the protection policy: the entry flags for the 4 KiB
// identity page at pa, 0 for none.
func identityFlags(pa uint64, img KernelImage) uint64 {
	tlo, thi := img.TextPages()
	rlo, rhi := img.RodataPages()
	switch {
	case pa < MmapMinAddr:
		return 0
	case pa >= uint64(tlo) && pa < uint64(thi):
		return PTE_P
	case pa >= uint64(rlo) && pa < uint64(rhi):
		return PTE_P | nxBit
	}
	return PTE_P | PTE_W | nxBit
}

// identityPD returns the page directory of the identity map that holds pa.
func identityPD(pa uint64) *[512]uint64 {
	pdpt := pt(pt(BootPML4)[0] & pteAddr)
	return pt(pdpt[pa>>30] & pteAddr)
}

// setIdentityNX marks every 2 MiB page of the identity map no-execute.
func setIdentityNX() {
	pdpt := pt(pt(BootPML4)[0] & pteAddr)
	for gb := range pdpt {
		if pdpt[gb]&PTE_P == 0 || pdpt[gb]&PTE_PS != 0 {
			continue
		}
		pd := pt(pdpt[gb] & pteAddr)
		for i := range pd {
			if pd[i]&(PTE_P|PTE_PS) == PTE_P|PTE_PS {
				pd[i] |= nxBit
			}
		}
	}
}

// splitIdentity replaces the 2 MiB identity page at base by a table of
// 4 KiB pages with identityFlags' permissions. Callers hold space.lock.
func splitIdentity(base uint64, img KernelImage) bool {
	e := &identityPD(base)[(base>>21)&511]
	if *e&(PTE_P|PTE_PS) != PTE_P|PTE_PS {
		return *e&PTE_P != 0 // already split
	}
	f := AllocFrame()
	if f == 0 {
		return false
	}
	t := pt(f)
	for i := range t {
		pa := base + uint64(i)*PageSize
		if flags := identityFlags(pa, img); flags != 0 {
			t[i] = pa | flags
		}
	}
	*e = f | PTE_P | PTE_W
	return true
}

// LookupAddress returns the entry that maps va and the size of the page it
// maps (Linux's lookup_address), with the permissions of every level
// folded in: writable only if every level allows writes, NX if any level
// forbids execution (SDM Vol. 3A, 4.6.1). ok is false when va is not
// mapped. Tests use it to check the protections the kernel set up.
func LookupAddress(va uintptr) (pte, size uint64, ok bool) {
	fl := space.lock.Lock()
	defer space.lock.Unlock(fl)
	t := pt(BootPML4)
	w, nx := uint64(PTE_W), uint64(0)
	for level := 3; level >= 0; level-- {
		e := t[(uint64(va)>>(12+9*uint(level)))&511]
		if e&PTE_P == 0 {
			return 0, 0, false
		}
		w &= e
		nx |= e & PTE_NX
		if level == 0 || e&PTE_PS != 0 {
			return e&^PTE_W | w | nx, uint64(1) << (12 + 9*uint(level)), true
		}
		t = pt(e & pteAddr)
	}
	return 0, 0, false
}

// Page-fault error code bits beyond fault.go's (SDM Vol. 3A, 4.7).
const (
	PF_RSVD = 1 << 3 // a reserved bit was set in an entry
	PF_I    = 1 << 4 // the access was an instruction fetch
)

// protectedImage is the layout ProtectKernel applied, for
// ProtectionFault.
var protectedImage KernelImage

// ProtectionFault names the protection that a page fault at va with
// error code errcode ran into, for the oops report, or returns "" when
// the fault is not one of them. A fault below 4 KiB is a NULL pointer
// dereference, as Linux's page-fault oops and Go's sigpanic call it.
//
// Exception context: no allocation.
func ProtectionFault(va uintptr, errcode uint64) string {
	tlo, thi := protectedImage.TextPages()
	rlo, rhi := protectedImage.RodataPages()
	write := errcode&(PF_P|PF_W) == PF_P|PF_W
	switch {
	case va < PageSize:
		return "NULL pointer dereference"
	case va < MmapMinAddr:
		return "address below mmap_min_addr (64 KiB): never mapped"
	case write && va >= tlo && va < thi:
		return "write to read-only kernel text"
	case write && va >= rlo && va < rhi:
		return "write to read-only kernel data (rodata)"
	case errcode&(PF_P|PF_I) == PF_P|PF_I:
		return "instruction fetch from a no-execute (NX) page"
	}
	return ""
}
