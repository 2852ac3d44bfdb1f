package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/mm"
)

// The page-fault part of an oops, in the words of Linux's page_fault_oops
// and show_fault_oops (arch/x86/mm/fault.c): what the address was (a NULL
// pointer dereference when it is in the first page), what kind of access
// faulted, and why, decoded from the error code (SDM Vol. 3A, 4.7):
//
//	BUG: kernel NULL pointer dereference, address: 0000000000000008
//	#PF: supervisor write access in kernel mode
//	#PF: error_code(0x2) - not-present page
//	CR2: 0000000000000008
//
// Everything runs in ring 0 here, so the access is always a supervisor
// one in kernel mode, goroutine code included. The protection that the
// fault ran into (mm.ProtectionFault: the unmapped low 64 KiB, read-only
// kernel text or rodata, a no-execute page) is the oops's reason.
//
// Exception context: no allocation.

// pageFaultReason is the oops reason for the page fault in f: the
// protection it hit, or what demand paging said (fallback).
func pageFaultReason(f *amd64.TrapFrame, fallback string) string {
	if why := mm.ProtectionFault(uintptr(amd64.ReadCR2()), f.ErrorCode); why != "" {
		return why
	}
	return fallback
}

// showFaultOops prints the page-fault lines of the report.
func showFaultOops(f *amd64.TrapFrame) {
	cr2 := amd64.ReadCR2()
	ec := f.ErrorCode
	if cr2 < mm.PageSize {
		Pr(KERN_EMERG).S("BUG: kernel NULL pointer dereference, address: ").X16(cr2).Emit()
	} else {
		Pr(KERN_EMERG).S("BUG: unable to handle page fault for address: ").X16(cr2).Emit()
	}
	access := "read access"
	switch {
	case ec&mm.PF_I != 0:
		access = "instruction fetch"
	case ec&mm.PF_W != 0:
		access = "write access"
	}
	Pr(KERN_EMERG).S("#PF: supervisor ").S(access).S(" in kernel mode").Emit()
	cause := "not-present page"
	switch {
	case ec&mm.PF_RSVD != 0:
		cause = "reserved bit violation"
	case ec&mm.PF_P != 0:
		cause = "permissions violation"
	}
	Pr(KERN_EMERG).S("#PF: error_code(").X(ec).S(") - ").S(cause).Emit()
	m := Pr(KERN_EMERG).S("CR2: ").X16(cr2)
	if mm.IsKernelStackGuard(uintptr(cr2)) {
		m = m.S(" (kernel stack overflow: guard page hit)")
	}
	m.Emit()
}
