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

// Every kernel and IST stack is in the upper half of the address space,
// every goroutine and runtime stack in the lower: the SYSCALL entry tells
// a caller in kernel code by its RSP's sign (arch/amd64/entry_amd64.s).
var _ [KStackBase>>63 - 1]byte

var kstacks struct {
	used       [maxKStacks / 64]uint64
	quarantine [maxKStacks / 64]uint64 // freed, but other CPUs' TLBs may still map them
	nquar      int
}

// AllocKernelStack maps a new kernel stack and returns its bounds, or
// ok=false when out of slots or memory.
func AllocKernelStack() (lo, hi uintptr, ok bool) { return allocStack(false) }

// AllocISTStack maps an interrupt stack, above every task stack.
func AllocISTStack() (lo, hi uintptr, ok bool) { return allocStack(true) }

func allocStack(fromTop bool) (lo, hi uintptr, ok bool) {
	releaseQuarantine()
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

// FreeKernelStack unmaps a stack returned by AllocKernelStack. It may
// run with interrupts off (a dead task is freed at the end of a context
// switch), so it cannot wait for other CPUs: the frames go to the zombie
// list and the slot stays in quarantine until a TLB shootdown has made
// sure no CPU still translates its addresses to the old frames. Reusing
// the slot earlier would let a CPU with a stale entry write a new task's
// stack into a frame that now belongs to something else.
func FreeKernelStack(lo uintptr) {
	fl := space.lock.Lock()
	i := (lo - KStackBase - KStackSize) / kstackSlot
	if kstacks.used[i/64]&(1<<(i%64)) == 0 || kstacks.quarantine[i/64]&(1<<(i%64)) != 0 {
		space.lock.Unlock(fl)
		fatal("mm: freeing a kernel stack that is not allocated", uint64(lo))
		return
	}
	for va := lo; va < lo+KStackSize; va += PageSize {
		if pa, ok := unmapPage(va); ok && zombies.n < len(zombies.f) {
			zombies.f[zombies.n] = pa
			zombies.n++
		}
	}
	kstacks.quarantine[i/64] |= 1 << (i % 64)
	kstacks.nquar++
	space.lock.Unlock(fl)
}

// releaseQuarantine shoots down stale translations, frees the zombie
// frames and makes quarantined stack slots available again. Interrupts on.
func releaseQuarantine() {
	// Take the slots quarantined so far: the shootdown below covers only
	// unmappings that happened before it.
	var q [maxKStacks / 64]uint64
	fl := space.lock.Lock()
	n := kstacks.nquar
	q = kstacks.quarantine
	kstacks.quarantine = [maxKStacks / 64]uint64{}
	kstacks.nquar = 0
	space.lock.Unlock(fl)
	if n == 0 {
		return
	}
	if TLBShootdown != nil {
		TLBShootdown()
	}
	fl = space.lock.Lock()
	for i := range q {
		kstacks.used[i] &^= q[i]
	}
	space.lock.Unlock(fl)
	flushZombies()
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
