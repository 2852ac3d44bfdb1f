package kernel

// The scheduler tick (Linux's scheduler_tick), run by the timer interrupt
// HZ times a second on every CPU, in hardirq context.
//
// It charges the tick to the running task, wakes sleepers whose time has
// come, and when the task's time slice is used up (or it is too far ahead
// of the queued tasks in virtual runtime: sched_fair.go), sets
// TIF_NEED_RESCHED.
// The tick does not switch tasks itself: it only raises the flag, and the
// interrupt return path (trap.go) decides whether the task may be
// preempted now.

// HZ is the tick rate (hz= on the command line; default 250).
var HZ = 250

func schedulerTick() {
	rq := thisRQ()
	now := Nanotime()
	checkStall(now)
	rq.Stats.Ticks++
	if TickHook != nil {
		TickHook()
	}

	if rq.Stats.Ticks%16 == uint64(rq.cpu)%16 && loadBalance(rq) && Current().kind != taskIdle {
		SetTskNeedResched(Current())
	}
	curr := Current()
	curr.Stats.Ticks++
	if curr.kind == taskIdle {
		if rq.nrRunning > 0 {
			SetTskNeedResched(curr)
		}
		return
	}
	runPosixCPUTimers(curr, now)
	fl := rq.lock.Lock()
	rq.updateCurr()
	rq.checkPreemptTick(curr)
	rq.lock.Unlock(fl)
}

// TickHook, when set, runs at the end of every tick in hardirq context.
// It is a test instrument, not a connection between layers: only tests set
// it (to run code in the timer interrupt), and boot leaves it nil.
var TickHook func()
