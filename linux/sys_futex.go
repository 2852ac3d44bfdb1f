package linux

import (
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/kernel"
)

// futex(2): the Go runtime's only way to put a thread to sleep
// (futexsleep and futexwakeup, behind every lock and note), after Linux's
// kernel/futex/waitwake.c and core.c.
//
// FUTEX_WAIT(uaddr, val, timeout) sleeps if *uaddr still holds val;
// FUTEX_WAKE(uaddr, n) wakes up to n sleepers on uaddr. The _BITSET
// variants carry a 32-bit mask (val3): a wake wakes only the waiters
// whose mask shares a bit with its own, and WAIT_BITSET's timeout is an
// absolute time, on CLOCK_MONOTONIC or, with FUTEX_CLOCK_REALTIME, on
// CLOCK_REALTIME. There is one process, so a futex's key is its address,
// and FUTEX_PRIVATE_FLAG changes nothing.
//
// Waiters hang in a hash table of buckets: each bucket a raw lock and a
// list of futex_q, in the order they came. The hash mixes every bit of
// the address (a multiplicative hash, where Linux runs jhash over the
// key): the runtime's m structures are 2048-byte aligned, and a hash of
// the low bits alone put every sleeping thread in one bucket. There are
// 256 buckets per possible CPU, rounded to a power of two, as Linux's
// futex_hash_size. A futex_q lives on the waiter's kernel stack (Linux's
// futex_wait does the same), so the lists have no capacity to exhaust.
//
// The race that futexes exist for: the value check and the queueing
// happen under the bucket lock, and a waker takes the same lock before it
// looks for waiters, so a wake-up that comes after the check finds the
// waiter queued, with its state already TASK_INTERRUPTIBLE. A waker
// unlinks the futex_q it wakes under the lock (futex_wake_mark); the
// waiter, once running, takes the lock to learn whether it was unlinked
// (woken) or must unlink itself (timeout, signal, spurious wake-up:
// futex_unqueue). Waking happens under the bucket lock, so the waiter's
// stack frame, and its futex_q, outlive every access by the waker.
//
// SYSCALL context: no allocation, no heap pointer stores.
const (
	FUTEX_WAIT           = 0
	FUTEX_WAKE           = 1
	FUTEX_WAIT_BITSET    = 9
	FUTEX_WAKE_BITSET    = 10
	FUTEX_PRIVATE_FLAG   = 128 // named for FUTEX_CMD_MASK, which drops it: one address space
	FUTEX_CLOCK_REALTIME = 256
	FUTEX_CMD_MASK       = 0x7f // op without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME

	FUTEX_BITSET_MATCH_ANY = 0xffffffff
)

const (
	futexHashBits = 14 // 256 * MaxCPUs (64) buckets
	futexBuckets  = 1 << futexHashBits
)

// futexQ is a waiter (Linux's struct futex_q), on its kernel stack.
type futexQ struct {
	key    uintptr // the futex's address
	bitset uint32
	task   uintptr         // *kernel.Task
	node   kernel.ListNode // on the bucket's list
	queued bool            // on the bucket's list; changed under its lock
}

type futexBucket struct {
	lock  amd64.RawLock
	chain kernel.ListHead // of futexQ.node
}

var futexQueues [futexBuckets]futexBucket

// futexQOfNode is container_of(node, struct futex_q, list).
func futexQOfNode(a uintptr) *futexQ {
	return (*futexQ)(addr.Ptr(a - unsafe.Offsetof(futexQ{}.node)))
}

// futexHash picks uaddr's bucket: Fibonacci hashing, the top bits of the
// address times 2^64/phi, which depend on every bit of the address.
func futexHash(uaddr uintptr) *futexBucket {
	return &futexQueues[(uint64(uaddr)*0x9e3779b97f4a7c15)>>(64-futexHashBits)]
}

// queue appends q (futex_queue); b.lock is held.
func (b *futexBucket) queue(q *futexQ) {
	b.chain.AddTail(&q.node)
	q.queued = true
}

// unqueue unlinks q (__futex_unqueue); b.lock is held.
func (b *futexBucket) unqueue(q *futexQ) {
	b.chain.Del(&q.node)
	q.queued = false
}

func sysFutex(f *amd64.TrapFrame) int64 {
	uaddr, op, val, val3 := uintptr(f.RDI), uint32(f.RSI), uint32(f.RDX), uint32(f.R9)
	cmd := op & FUTEX_CMD_MASK
	if op&FUTEX_CLOCK_REALTIME != 0 && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET {
		return -ENOSYS // Linux's do_futex
	}
	switch cmd {
	case FUTEX_WAIT, FUTEX_WAIT_BITSET:
		kernel.CheckSleeperIRQs(f)
		if cmd == FUTEX_WAIT {
			val3 = FUTEX_BITSET_MATCH_ANY
		}
		deadline := int64(-1)
		if f.R10 != 0 {
			ts, ok := getTimespec(uintptr(f.R10))
			if !ok {
				return -EFAULT
			}
			if ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1e9 {
				return -EINVAL
			}
			deadline = futexDeadline(cmd, op&FUTEX_CLOCK_REALTIME != 0, ts.Sec*1e9+ts.Nsec)
		}
		return FutexWait(uaddr, val, val3, deadline)
	case FUTEX_WAKE, FUTEX_WAKE_BITSET:
		if cmd == FUTEX_WAKE {
			val3 = FUTEX_BITSET_MATCH_ANY
		}
		return FutexWake(uaddr, int32(val), val3)
	}
	return -ENOSYS
}

// futexDeadline turns a timeout into a Nanotime deadline
// (futex_init_timeout): FUTEX_WAIT's is relative to now, WAIT_BITSET's
// absolute, on CLOCK_REALTIME if asked (Realtime is Nanotime plus a
// constant, so the conversion is exact).
func futexDeadline(cmd uint32, realtime bool, ns int64) int64 {
	now := int64(kernel.Nanotime())
	switch {
	case cmd == FUTEX_WAIT:
		ns += now
	case realtime:
		ns -= kernel.Realtime() - now
	}
	if ns < 0 {
		ns = 0
	}
	return ns
}

// FutexWait sleeps while *uaddr == val until a FutexWake whose bitset
// meets bitset, the deadline (Nanotime; negative for none), or a signal
// (futex_wait). It returns 0 when woken, -EAGAIN if *uaddr != val,
// -EINVAL for a misaligned address or an empty bitset, -ETIMEDOUT, and
// for a signal -ERESTARTSYS (untimed: restarted after a SA_RESTART
// handler) or -ERESTART_RESTARTBLOCK (timed: -EINTR after a handler).
func FutexWait(uaddr uintptr, val, bitset uint32, deadline int64) int64 {
	if bitset == 0 || uaddr%4 != 0 {
		return -EINVAL
	}
	if !accessOK(uaddr, 4, false) {
		return -EFAULT // get_futex_key: not the caller's memory
	}
	var q futexQ
	q.key, q.bitset, q.task = uaddr, bitset, uintptr(unsafe.Pointer(kernel.Current()))
	b := futexHash(uaddr)
	for {
		// futex_wait_setup: check the value and queue, under the lock.
		fl := b.lock.Lock()
		if *userU32(uaddr) != val {
			b.lock.Unlock(fl)
			return -EAGAIN
		}
		b.queue(&q)
		kernel.SetCurrentState(kernel.TASK_INTERRUPTIBLE)
		b.lock.Unlock(fl)

		// futex_wait_queue: sleep, unless already woken.
		if deadline < 0 {
			kernel.Schedule()
		} else if now := int64(kernel.Nanotime()); now < deadline {
			kernel.ScheduleTimeout(deadline - now)
		}
		kernel.SetCurrentState(kernel.TASK_RUNNING)

		// futex_unqueue: still queued means nobody woke us.
		fl = b.lock.Lock()
		woken := !q.queued
		if !woken {
			b.unqueue(&q)
		}
		b.lock.Unlock(fl)
		switch {
		case woken:
			return 0
		case deadline >= 0 && int64(kernel.Nanotime()) >= deadline:
			return -ETIMEDOUT
		case kernel.SignalPending() && deadline < 0:
			return -kernel.ERESTARTSYS
		case kernel.SignalPending():
			return -kernel.ERESTART_RESTARTBLOCK
		}
		// A spurious wake-up: check the value and sleep again.
	}
}

// FutexWake wakes up to n waiters on uaddr whose bitset meets bitset and
// returns how many it woke (futex_wake). As Linux, n <= 0 still wakes
// one. -EINVAL for an empty bitset or a misaligned address.
func FutexWake(uaddr uintptr, n int32, bitset uint32) int64 {
	if bitset == 0 || uaddr%4 != 0 {
		return -EINVAL
	}
	b := futexHash(uaddr)
	fl := b.lock.Lock()
	woken := int32(0)
	for a := b.chain.First(); a != 0; {
		q := futexQOfNode(a)
		a = q.node.Next()
		if q.key != uaddr || q.bitset&bitset == 0 {
			continue
		}
		b.unqueue(q) // futex_wake_mark: unlinked means woken
		kernel.WakeUpProcess((*kernel.Task)(addr.Ptr(q.task)))
		woken++
		if woken >= n {
			break
		}
	}
	b.lock.Unlock(fl)
	return int64(woken)
}

// FutexWaiters counts the tasks queued on uaddr (for tests and reports).
func FutexWaiters(uaddr uintptr) int {
	b := futexHash(uaddr)
	fl := b.lock.Lock()
	n := 0
	for a := b.chain.First(); a != 0; {
		q := futexQOfNode(a)
		a = q.node.Next()
		if q.key == uaddr {
			n++
		}
	}
	b.lock.Unlock(fl)
	return n
}
