package kernel

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
)

// spinlock_t: mutual exclusion that never sleeps.
//
// A spinlock protects against other CPUs by spinning, and against other
// tasks on this CPU by disabling preemption for as long as it is held:
// spin_lock() is preempt_disable() plus the spin, spin_unlock() the
// release plus preempt_enable() (seed text 000: "preemption will not
// happen if the currently-running code is holding a spinlock"; text 003:
// the preemption count "stores the number of held locks"). So the same
// lock that makes code SMP-safe makes it preempt-safe.
//
// It does not disable interrupts: data also touched by an interrupt
// handler needs spin_lock_irqsave(), which is amd64.RawLock here (the
// console's and the wait queues' locks): no SpinLock is shared with a
// handler. And a lock taken by one task must be
// released by the same task (seed text 002, rule 3): the owner is
// recorded and a release by another task is reported.
//
// The owner also catches recursion, as Linux's spinlock debugging does
// (spin_bug(lock, "recursion") in kernel/locking/spinlock_debug.c): a
// task that takes a lock it already holds would spin on itself forever,
// with preemption off, and only the stall detector would notice, a
// minute later. The check costs nothing on the fast path: the owner is
// written after the lock is won and read only when the first try fails.
// A stale owner cannot fool it: release clears the owner before it frees
// the lock, and only the holder ever writes its own reference there, so
// reading our own task in it means we hold the lock.
type SpinLock struct {
	v     atomic.Uint32
	owner atomic.Uintptr // the holding task, for the ownership check
	name  string
}

// NewSpinLock returns a named lock (the name appears in BUG reports).
// The kernel's own locks are zero values in BSS (tmpfs's, for one); tests
// and test programs (tests/system/testdata/spinrecursion) name theirs.
func NewSpinLock(name string) *SpinLock { return &SpinLock{name: name} }

// Lock is spin_lock(): disable preemption, then spin until the lock is ours.
func (l *SpinLock) Lock() {
	PreemptDisable()
	l.acquire()
}

func (l *SpinLock) acquire() {
	if !l.v.CompareAndSwap(0, 1) {
		l.acquireSlow()
	}
	l.owner.Store(uintptr(refOf(Current())))
}

// acquireSlow is the contended path: first the recursion check, then the
// spin. After a recursion report it spins on: the lock can never come
// free, as on Linux, and under panic=exit the report has already ended
// the run.
func (l *SpinLock) acquireSlow() {
	if taskRef(l.owner.Load()) == refOf(Current()) {
		l.reportRecursion()
	}
	for !l.v.CompareAndSwap(0, 1) {
		for l.v.Load() != 0 {
			amd64.Pause()
		}
	}
}

func (l *SpinLock) reportRecursion() {
	t := Current()
	reportBugWith(BugSpinlockRecursion, l.name,
		Pr(KERN_ERR).S("  lock ").S(l.name).S(" is already held by this task (").
			B(t.Name[:nameLen(t)]).S(" pid ").I(int64(t.Pid)).S(" on CPU#").U(uint64(t.ThreadInfo.CPU)).
			S("): spin_lock() would wait for itself forever"))
}

// Unlock is spin_unlock(): release, then preempt_enable(), which is where
// a preemption that became due while the lock was held happens.
func (l *SpinLock) Unlock() {
	l.release()
	PreemptEnable()
}

func (l *SpinLock) release() {
	if o := l.owner.Load(); o != uintptr(refOf(Current())) {
		l.reportWrongOwner(taskRef(o))
	}
	l.owner.Store(0)
	l.v.Store(0)
}

func (l *SpinLock) reportWrongOwner(o taskRef) {
	if o == 0 {
		ReportBug(BugWrongOwnerUnlock, "unlock of a lock that is not held")
		return
	}
	reportBugWith(BugWrongOwnerUnlock, "released by another task than the one that took it",
		Pr(KERN_ERR).S("  lock ").S(l.name).S(" held by pid ").I(int64(o.ptr().Pid)))
}
