package amd64

import "sync/atomic"

// RawLock is the bottom lock of the kernel: a test-and-set spin lock taken
// with interrupts disabled on this CPU (Linux's raw_spin_lock_irqsave).
// It does not touch preempt_count, so it can serve the layers below the
// scheduler (the frame allocator, the page tables, the console) and code
// that runs before any task exists. The kernel's spinlock_t, which the
// preemption lessons are about, is built on it in the kernel package.
//
// Interrupts must be off while it is held: a handler on the same CPU that
// wanted the same lock would spin forever on it.
//
// In task context (Go code on a goroutine) interrupts off are not enough:
// the Go scheduler may still stop the goroutine at any function call and
// park its thread, which would then sleep holding the lock while other
// CPUs spin on it with their interrupts off, for good. So Lock also pins
// the goroutine there (PinTask, pin.go), and Unlock
// unpins it; the flags word carries the fact.
type RawLock struct {
	v atomic.Uint32
}

// Lock disables interrupts, then spins until the lock is free, and
// returns the RFLAGS to give back to Unlock.
func (l *RawLock) Lock() (flags uint64) {
	flags = IrqSave()
	for !l.v.CompareAndSwap(0, 1) {
		for l.v.Load() != 0 {
			Pause()
		}
	}
	return flags
}

// Unlock releases the lock and restores the interrupt state.
func (l *RawLock) Unlock(flags uint64) {
	l.v.Store(0)
	IrqRestore(flags)
}

// Release releases the lock and leaves interrupts off: Unlock in two
// halves (raw_spin_unlock, then local_irq_restore), for work that needs
// interrupts off but not the lock, such as an IPI to the CPU whose queue
// it was. IrqRestore with Lock's flags follows.
func (l *RawLock) Release() { l.v.Store(0) }

// IrqSave turns interrupts off on this CPU and, in task context, pins the
// goroutine (see RawLock); it returns what IrqRestore needs to undo both.
// It is local_irq_save for every caller, the irq package's included.
//
// The pin encloses the interrupts-off section: pinned first, unpinned
// last. In between, no function prologue (where the Go scheduler stops
// a goroutine that sysmon has asked to yield) may fall where interrupts
// are off and the goroutine is not yet pinned, or the rest of the section
// would run on another thread with interrupts on, and the thread left
// behind would run other goroutines with them off for good (every system
// call gives a thread back the flags it came in with). Taking the pin
// after CLI did exactly that: PinTask's own prologue was such a point
// (TestIrqSaveSectionStaysOnItsThread).
func IrqSave() (flags uint64) {
	pinned := PinTask()
	flags = Flags()
	Cli()
	if pinned {
		flags |= flagPinned
	}
	return flags
}

// IrqRestore undoes IrqSave: turns interrupts back on if they were on,
// then unpins.
func IrqRestore(flags uint64) {
	if flags&FlagIF != 0 {
		Sti()
	}
	if flags&flagPinned != 0 {
		UnpinTask()
	}
}

// flagPinned marks, in the flags Lock returns, that Lock pinned the
// goroutine. RFLAGS bit 63 is reserved (always 0), so it cannot clash.
const flagPinned = 1 << 63
