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
type RawLock struct {
	v atomic.Uint32
}

// Lock disables interrupts, then spins until the lock is free, and
// returns the RFLAGS to give back to Unlock.
func (l *RawLock) Lock() (flags uint64) {
	flags = Flags()
	Cli()
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
	if flags&FlagIF != 0 {
		Sti()
	}
}
