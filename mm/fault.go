package mm

// Demand paging. This file runs in exception context (#PF), with
// interrupts off: no allocation, no heap pointer writes, no blocking.

// Page-fault error code bits (SDM Vol. 3A, 4.7).
const (
	PF_P = 1 << 0 // the page was present (a protection fault)
	PF_W = 1 << 1 // the access was a write
)

// FaultResult says what HandleFault did.
type FaultResult int

const (
	FaultHandled   FaultResult = iota // a frame was attached; retry the access
	FaultNoMapping                    // no vma covers the address
	FaultProtNone                     // a PROT_NONE reservation was touched
	FaultWriteRO                      // a write to a read-only mapping
	FaultOOM                          // no frame left
	FaultBadPTE                       // present page faulted: a kernel bug
)

// String names the result for the oops report.
func (r FaultResult) String() string {
	switch r {
	case FaultHandled:
		return "handled"
	case FaultNoMapping:
		return "no mapping at this address"
	case FaultProtNone:
		return "access to reserved (PROT_NONE) memory"
	case FaultWriteRO:
		return "write to read-only memory"
	case FaultOOM:
		return "out of memory"
	}
	return "protection fault on a present page"
}

// HandleFault attaches a zeroed frame to the page holding va if a vma
// allows the access.
func HandleFault(va uintptr, errcode uint64) FaultResult {
	fl := space.lock.Lock()
	r := handleFault(va, errcode)
	space.lock.Unlock(fl)
	return r
}

func handleFault(va uintptr, errcode uint64) FaultResult {
	v := find(va)
	switch {
	case v == nil:
		return FaultNoMapping
	case v.prot == PROT_NONE:
		return FaultProtNone
	case errcode&PF_W != 0 && v.prot&PROT_WRITE == 0:
		return FaultWriteRO
	}
	page := va &^ (PageSize - 1)
	if e := walk(page, false); e != nil && *e&PTE_P != 0 {
		// Another CPU may have filled it between the fault and the lock.
		if errcode&PF_P == 0 {
			return FaultHandled
		}
		return FaultBadPTE
	} else if e != nil && *e&pteProtNone != 0 {
		// mprotect rewrites a range's entries with its vmas, under the
		// lock: a kept PROT_NONE frame in a vma that allows access is
		// a bug, and a fresh frame would lose the data it holds.
		return FaultBadPTE
	}
	f := AllocFrame()
	if f == 0 {
		return FaultOOM
	}
	if !mapPage(page, f, pteFlags(v.prot)) {
		FreeFrame(f)
		return FaultOOM
	}
	space.resident++
	space.faults++
	return FaultHandled
}
