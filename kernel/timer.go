package kernel

import "gopreempt/arch/amd64"

// Kernel timers: "wake this task at time T". They serve every sleep with
// a timeout (nanosleep, futex and epoll waits, msleep). Each CPU keeps its
// pending timers in a list sorted by expiry; the tick handler wakes the
// tasks whose time has come (runTimers). A timer is embedded in its task,
// so arming one needs no memory.
//
// The tick period bounds the precision: a sleep ends on the first tick at
// or after its deadline.
type Timer struct {
	expires uint64 // Nanotime deadline
	next    uintptr
	task    taskRef
	cpu     int32
	armed   bool
	fired   bool
}

var timerLists [MaxCPUs]struct {
	lock amd64.RawLock
	head uintptr // *Timer
}

func timerPtr(a uintptr) *Timer { return (*Timer)(ptrOf(a)) }

// addTimer arms t to wake task at deadline on this CPU.
func addTimer(tm *Timer, task *Task, deadline uint64) {
	cpu := thisCPUID()
	l := &timerLists[cpu]
	fl := l.lock.Lock()
	tm.expires, tm.task, tm.cpu, tm.armed, tm.fired = deadline, refOf(task), int32(cpu), true, false
	link := &l.head
	for *link != 0 && timerPtr(*link).expires <= deadline {
		link = &timerPtr(*link).next
	}
	tm.next = *link
	*link = addrOf(tm)
	l.lock.Unlock(fl)
}

// delTimer disarms tm if still armed; it reports whether it had fired.
func delTimer(tm *Timer) bool {
	l := &timerLists[tm.cpu]
	fl := l.lock.Lock()
	if tm.armed {
		link := &l.head
		for *link != 0 {
			if *link == addrOf(tm) {
				*link = tm.next
				break
			}
			link = &timerPtr(*link).next
		}
		tm.armed = false
	}
	fired := tm.fired
	l.lock.Unlock(fl)
	return fired
}

// runTimers wakes the tasks of the expired timers on this CPU. Called
// from the timer interrupt.
func runTimers(now uint64) {
	l := &timerLists[thisCPUID()]
	fl := l.lock.Lock()
	for l.head != 0 && timerPtr(l.head).expires <= now {
		tm := timerPtr(l.head)
		l.head = tm.next
		tm.armed = false
		tm.fired = true
		WakeUpProcess(tm.task.ptr())
	}
	l.lock.Unlock(fl)
}

// ScheduleTimeout sleeps until woken or until ns nanoseconds have passed
// (ns < 0: no timeout). The caller has set its state to
// TASK_INTERRUPTIBLE. It reports whether the timeout expired.
// Kernel context only.
func ScheduleTimeout(ns int64) bool {
	t := Current()
	if ns < 0 {
		schedule()
		return false
	}
	addTimer(&t.timer, t, Nanotime()+uint64(ns))
	schedule()
	return delTimer(&t.timer)
}
