package kernel

import "sync/atomic"

// A sleeping mutex (Linux's struct mutex): where a spinlock spins with
// preemption off, a mutex puts the waiter to sleep, so it may be held
// across code that sleeps, and it may only be taken where sleeping is
// allowed (might_sleep). Like a spinlock it belongs to the task that took
// it: a release by another task is reported (seed text 002, rule 3).
//
// No kernel path holds a lock across a sleep yet, so only the kernel-mode
// tests take a Mutex (debug_test.go: might_sleep under a spinlock, the
// owner check).
type Mutex struct {
	state atomic.Uint32
	owner atomic.Uintptr
	wq    WaitQueue
}

// Lock takes the mutex, sleeping while another task holds it.
func (m *Mutex) Lock() {
	MightSleep()
	for !m.state.CompareAndSwap(0, 1) {
		m.wq.WaitEvent(func() bool { return m.state.Load() == 0 })
	}
	m.owner.Store(uintptr(refOf(Current())))
}

// Unlock releases the mutex and wakes its waiters.
func (m *Mutex) Unlock() {
	if o := m.owner.Load(); o != uintptr(refOf(Current())) {
		if o == 0 {
			ReportBug(BugWrongOwnerUnlock, "mutex unlock of a mutex that is not held")
		} else {
			ReportBug(BugWrongOwnerUnlock, "mutex released by another task than the one that took it")
		}
	}
	m.owner.Store(0)
	m.state.Store(0)
	m.wq.WakeUp()
}
