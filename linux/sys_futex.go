package linux

import (
	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// futex: the runtime's only way to put a thread to sleep (futexsleep,
// futexwakeup: lock_futex.go and the note mechanism). FUTEX_WAIT sleeps
// if *uaddr still holds val, FUTEX_WAKE wakes up to n sleepers on uaddr
// (man 2 futex). Waiters hang in a small hash table of buckets, each with
// its own lock. The check of *uaddr and the queueing happen under the
// bucket lock, and a waker takes the same lock, so a wake-up between the
// check and the sleep cannot be lost: the waiter is already queued and
// its state already TASK_INTERRUPTIBLE.
const (
	FUTEX_WAIT           = 0
	FUTEX_WAKE           = 1
	FUTEX_PRIVATE_FLAG   = 128
	FUTEX_CLOCK_REALTIME = 256
	FUTEX_WAIT_BITSET    = 9
	FUTEX_WAKE_BITSET    = 10
	futexBuckets         = 64
)

type futexBucket struct {
	lock    amd64.RawLock
	waiters [64]*kernel.Task // fixed: at most this many waiters per bucket
}

var futexTable [futexBuckets]futexBucket

// The waiters are stored as task pointers in kernel memory (BSS). Tasks
// are outside the Go heap, so the write barrier, when on, only records
// addresses the collector ignores; but kernel context must not run write
// barriers at all, so the slots are written through storeTask.

func bucketOf(uaddr uintptr) *futexBucket { return &futexTable[(uaddr>>2)%futexBuckets] }

func sysFutex(f *amd64.TrapFrame) int64 {
	uaddr, op, val := uintptr(f.RDI), f.RSI&^(FUTEX_PRIVATE_FLAG|FUTEX_CLOCK_REALTIME), uint32(f.RDX)
	switch op {
	case FUTEX_WAIT, FUTEX_WAIT_BITSET:
		timeout := int64(-1)
		if f.R10 != 0 {
			ts := userTimespec(uintptr(f.R10))
			timeout = ts.Sec*1e9 + ts.Nsec
			if op == FUTEX_WAIT_BITSET { // absolute deadline
				now, _ := clockNow(CLOCK_MONOTONIC)
				if f.RSI&FUTEX_CLOCK_REALTIME != 0 {
					now, _ = clockNow(CLOCK_REALTIME)
				}
				timeout -= now
				if timeout < 0 {
					return -ETIMEDOUT
				}
			}
		}
		return FutexWait(uaddr, val, timeout)
	case FUTEX_WAKE, FUTEX_WAKE_BITSET:
		return int64(FutexWake(uaddr, int(val)))
	}
	return -ENOSYS
}

// FutexWait sleeps while *uaddr == val, until FutexWake or the timeout
// (ns; negative for none) or a signal. Returns 0, -EAGAIN, -ETIMEDOUT,
// or -ERESTARTSYS/-EINTR for a signal.
func FutexWait(uaddr uintptr, val uint32, timeout int64) int64 {
	t := kernel.Current()
	b := bucketOf(uaddr)
	fl := b.lock.Lock()
	if *userU32(uaddr) != val {
		b.lock.Unlock(fl)
		return -EAGAIN
	}
	slot := -1
	for i := range b.waiters {
		if b.waiters[i] == nil {
			slot = i
			break
		}
	}
	if slot < 0 {
		b.lock.Unlock(fl)
		kernel.Pr(kernel.KERN_WARNING).S("futex: bucket full, waiting by polling").Emit()
		return -EAGAIN
	}
	storeTask(&b.waiters[slot], t)
	t.FutexKey = uaddr
	kernel.SetCurrentState(kernel.TASK_INTERRUPTIBLE)
	b.lock.Unlock(fl)

	expired := kernel.ScheduleTimeout(timeout)

	fl = b.lock.Lock()
	woken := t.FutexKey == 0
	if !woken {
		storeTask(&b.waiters[slot], nil)
		t.FutexKey = 0
	}
	kernel.SetCurrentState(kernel.TASK_RUNNING)
	b.lock.Unlock(fl)
	if !woken && expired {
		return -ETIMEDOUT
	}
	if !woken && kernel.SignalPending() {
		// Ended by a signal: Linux restarts an untimed wait after a
		// SA_RESTART handler and fails a timed one with EINTR (the
		// runtime's futexsleep takes either as a spurious wake-up).
		if timeout < 0 {
			return -kernel.ERESTARTSYS
		}
		return -EINTR
	}
	return 0
}

// FutexWake wakes up to n tasks waiting on uaddr and returns how many.
func FutexWake(uaddr uintptr, n int) int {
	b := bucketOf(uaddr)
	fl := b.lock.Lock()
	woken := 0
	for i := range b.waiters {
		if woken >= n {
			break
		}
		t := b.waiters[i]
		if t == nil || t.FutexKey != uaddr {
			continue
		}
		storeTask(&b.waiters[i], nil)
		t.FutexKey = 0
		kernel.WakeUpProcess(t)
		woken++
	}
	b.lock.Unlock(fl)
	return woken
}
