package mm

// Kernel stacks. Every task has one, for the code it runs in kernel
// context (system calls, interrupts, exceptions, the scheduler). They are
// in a region of their own, top-level slot 510 of the page tables, each
// 64 KiB stack preceded by an unmapped 64 KiB guard, so that an overflow
// faults at once instead of overwriting a neighbour; the #PF handler
// recognises the guard and says "kernel stack overflow".
//
// Task stacks are handed out from the bottom of the region, IST stacks
// from the top. The order matters to the Go stack check: a handler that
// runs on an IST stack still uses the interrupted task's kernel g, whose
// stack guard is near the bottom of that task's stack; an IST stack above
// every task stack can never look "below the guard" to the prologue.

const (
	KStackBase = 0xffff_ff00_0000_0000
	KStackSize = 64 << 10
	kstackSlot = 2 * KStackSize // guard below, stack above
	maxKStacks = 4096
)

var kstacks struct {
	used [maxKStacks / 64]uint64
}

// AllocKernelStack maps a new kernel stack and returns its bounds, or
// ok=false when out of slots or memory.
func AllocKernelStack() (lo, hi uintptr, ok bool) { return allocStack(false) }

// AllocISTStack maps an interrupt stack, above every task stack.
func AllocISTStack() (lo, hi uintptr, ok bool) { return allocStack(true) }

func allocStack(fromTop bool) (lo, hi uintptr, ok bool) {
	fl := space.lock.Lock()
	defer space.lock.Unlock(fl)
	for j := 0; j < maxKStacks; j++ {
		i := j
		if fromTop {
			i = maxKStacks - 1 - j
		}
		if kstacks.used[i/64]&(1<<(i%64)) != 0 {
			continue
		}
		lo = KStackBase + uintptr(i)*kstackSlot + KStackSize
		for va := lo; va < lo+KStackSize; va += PageSize {
			f := AllocFrame()
			if f == 0 || !mapPage(va, f, PTE_W|nxBit) {
				if f != 0 {
					FreeFrame(f)
				}
				releaseStack(lo, va)
				return 0, 0, false
			}
		}
		kstacks.used[i/64] |= 1 << (i % 64)
		return lo, lo + KStackSize, true
	}
	return 0, 0, false
}

// FreeKernelStack unmaps a stack returned by AllocKernelStack.
func FreeKernelStack(lo uintptr) {
	fl := space.lock.Lock()
	i := (lo - KStackBase - KStackSize) / kstackSlot
	releaseStack(lo, lo+KStackSize)
	kstacks.used[i/64] &^= 1 << (i % 64)
	space.lock.Unlock(fl)
}

func releaseStack(lo, hi uintptr) {
	for va := lo; va < hi; va += PageSize {
		if pa, ok := unmapPage(va); ok {
			FreeFrame(pa)
		}
	}
}

// IsKernelStackGuard reports whether va is in the guard below a stack.
func IsKernelStackGuard(va uintptr) bool {
	if va < KStackBase || va >= KStackBase+maxKStacks*kstackSlot {
		return false
	}
	return (va-KStackBase)%kstackSlot < KStackSize
}
