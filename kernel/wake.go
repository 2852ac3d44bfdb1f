package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/percpu"
	"gopreempt/trace"
)

// Wake-ups (Linux's try_to_wake_up).
//
// Waking a task makes it TASK_RUNNING and, unless it is still on a CPU
// (it may not have reached schedule() yet: then setting the state is
// enough, schedule() will see it), puts it on its CPU's run queue. If it
// should run before what that CPU runs now, that task gets
// TIF_NEED_RESCHED, and the switch happens at the next preemption point:
// at once if the CPU is in preemptible code and an interrupt returns, or
// when preempt_enable() brings the count to zero.
//
// Callable from any context, interrupts on or off.

// WakeUpProcess wakes t if it sleeps; it reports whether it did.
func WakeUpProcess(t *Task) bool {
	return tryToWakeUp(t, TASK_INTERRUPTIBLE|TASK_UNINTERRUPTIBLE)
}

func tryToWakeUp(t *Task, states int32) bool {
	var rq *RunQueue
	var fl uint64
	for {
		// t may be moved between reading its CPU and taking that
		// CPU's lock; recheck under the lock.
		cpu := t.ThreadInfo.CPU
		rq = cpuRQ(int(cpu))
		fl = rq.lock.Lock()
		if t.ThreadInfo.CPU == cpu {
			break
		}
		rq.lock.Unlock(fl)
	}
	if t.State&states == 0 {
		rq.lock.Unlock(fl)
		return false
	}
	t.State = TASK_RUNNING
	t.Stats.Wakeups++
	noteWakeup(t)
	kick := false
	if !t.onCPU && !t.onRQ {
		if target := selectTaskRQ(t); target != rq.cpu {
			// Place it elsewhere: an idle CPU, or one it is allowed on.
			t.ThreadInfo.CPU = uint32(target)
			trace.SchedWakeup(t.Pid, target)
			rq.lock.Unlock(fl)
			activateOn(t, target, true)
			return true
		}
		rq.enqueueWoken(t)
		trace.SchedWakeup(t.Pid, rq.cpu)
		kick = checkPreemptWakeup(rq, t)
	}
	unlockAndKick(rq, fl, kick)
	return true
}

// unlockAndKick releases rq's lock and, if kick, sends rq's CPU its
// reschedule IPI before interrupts come back on. The IPI goes after the
// lock is free: the CPU it wakes goes straight to schedule(), which takes
// that lock, and would otherwise spin on it while the sender is still
// writing the local APIC's ICR (under QEMU's TCG a device access is slow,
// and each PAUSE of the spinner ends its turn in the emulator's loop: 68
// of them a round trip of the futex ping-pong, docs/benchmarks.md).
// need_resched is already set under the lock, so a CPU that looks before
// the IPI comes sees it; an IPI that finds it already handled is counted
// and does nothing. Linux sends it to an idle CPU without holding that
// CPU's lock as well (ttwu_queue_wakelist).
func unlockAndKick(rq *RunQueue, fl uint64, kick bool) {
	rq.lock.Release()
	if kick {
		smpSendReschedule(rq.cpu)
	}
	amd64.IrqRestore(fl)
}

// checkPreemptWakeup decides whether the woken task p should preempt the
// task running on rq's CPU (check_preempt_wakeup): always the idle task,
// otherwise when p's virtual runtime is behind curr's by more than the
// wake-up granularity (sched_fair.go). rq.lock is held. It returns
// whether rq's CPU, another one, needs a reschedule IPI for it, which the
// caller sends once the lock is released (unlockAndKick).
func checkPreemptWakeup(rq *RunQueue, p *Task) bool {
	curr := rq.curr.ptr()
	if curr == nil || curr == p {
		return false
	}
	if curr.kind != taskIdle {
		rq.updateCurr()
		if !wakeupPreempt(curr, p) {
			return false
		}
		rq.Stats.WakeupPreempts++
	}
	setTskNeedReschedBy(curr, reasonWakeup)
	return rq.cpu != percpu.RawSmpProcessorID()
}

// schedulerIPI is the reschedule IPI's handler. Its work is done on the
// interrupt's return path, which preempts if need_resched is set; the
// handler only counts it. Interrupt context.
func schedulerIPI() { thisRQ().Stats.ReschedIPIs++ }

// selectTaskRQ chooses the CPU a woken task goes to: where it last ran,
// unless it may not run there, or that CPU is busy and another CPU it
// may use is idle (Linux's select_task_rq, much simplified).
func selectTaskRQ(t *Task) int {
	prev := int(t.ThreadInfo.CPU)
	if !allowedOn(t, prev) {
		return firstAllowed(t)
	}
	if cpuRQ(prev).curr.ptr().kind == taskIdle {
		return prev
	}
	for cpu := 0; cpu < OnlineCPUs(); cpu++ {
		q := cpuRQ(int(cpu))
		if cpu != prev && allowedOn(t, cpu) && q.curr != 0 && q.curr.ptr().kind == taskIdle && q.nrRunning == 0 {
			return cpu
		}
	}
	return prev
}
