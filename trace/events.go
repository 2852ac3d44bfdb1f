package trace

import "gopreempt/trace/format"

// The hooks the kernel calls, one per event. Each is small enough to be
// inlined at its call site, where it costs a load of Events and a branch
// while the class is off. Any context; nosplit below the branch.

// On reports whether class c is being recorded, for a caller that has
// work to do before a hook (finding its caller's PC).
func On(c Class) bool { return Events&uint32(c) != 0 }

// SchedSwitch: prev leaves the CPU in state prevState (preempted: with
// PREEMPT_ACTIVE) and next runs.
func SchedSwitch(prev int32, prevState int32, preempted bool, next int32) {
	if Events&uint32(Sched) != 0 {
		schedSwitch(prev, prevState, preempted, next)
	}
}

//go:nosplit
func schedSwitch(prev int32, prevState int32, preempted bool, next int32) {
	st := uint64(uint32(prevState))
	if preempted {
		st |= format.StatePreempted
	}
	emit(format.SchedSwitch, uint32(prev), st, uint64(uint32(next)))
	latencySwitch(next)
}

// TaskName records the name pid runs under (16 bytes, as two words),
// with the Sched class: the kernel records it before a switch-out when it
// has not recorded that name for pid since Start (kernel/trace.go).
func TaskName(pid int32, lo, hi uint64) {
	if Events&uint32(Sched) != 0 {
		emit(format.TaskName, uint32(pid), lo, hi)
	}
}

// Epoch counts Starts, so that callers can remember per trace what they
// have already recorded.
func Epoch() uint32 { return epoch }

// SchedWakeup: pid was woken and goes to CPU target's run queue.
func SchedWakeup(pid int32, target int) {
	if Events&uint32(Sched) != 0 {
		emit(format.SchedWakeup, uint32(pid), uint64(target), 0)
		latencyWakeup(pid, target)
	}
}

// SchedMigrate: pid, which last ran on CPU from, runs on CPU to.
func SchedMigrate(pid int32, from, to int) {
	if Events&uint32(Sched) != 0 {
		emit(format.SchedMigrate, uint32(pid), uint64(from), uint64(to))
	}
}

// NeedResched: TIF_NEED_RESCHED was set on pid, running on CPU cpu, for
// reason (format.Reason*).
func NeedResched(pid int32, reason uint64, cpu int) {
	if Events&uint32(Sched) != 0 {
		emit(format.NeedResched, uint32(pid), reason, uint64(cpu))
	}
}

// PreemptScheduleEnter and PreemptScheduleExit bracket preempt_schedule();
// switched says whether the task left the CPU in between.
func PreemptScheduleEnter(pid int32) {
	if Events&uint32(Preempt) != 0 {
		emit(format.PreemptScheduleEnter, uint32(pid), 0, 0)
	}
}

func PreemptScheduleExit(pid int32, switched bool) {
	if Events&uint32(Preempt) != 0 {
		emit(format.PreemptScheduleExit, uint32(pid), b2u(switched), 0)
	}
}

// PreemptScheduleIRQEnter and PreemptScheduleIRQExit bracket
// preempt_schedule_irq().
func PreemptScheduleIRQEnter(pid int32) {
	if Events&uint32(Preempt) != 0 {
		emit(format.PreemptScheduleIRQEnter, uint32(pid), 0, 0)
	}
}

func PreemptScheduleIRQExit(pid int32, switched bool) {
	if Events&uint32(Preempt) != 0 {
		emit(format.PreemptScheduleIRQExit, uint32(pid), b2u(switched), 0)
	}
}

// PreemptDisable and PreemptEnable: the preemption depth of pid left
// zero, or came back to it, at the call from pc.
func PreemptDisable(pid int32, pc uintptr) {
	if Events&uint32(Preempt) != 0 {
		emit(format.PreemptDisable, uint32(pid), uint64(pc), 0)
		latencyEdge(edgePreempt, true, uint64(pc), pid)
	}
}

func PreemptEnable(pid int32, pc uintptr) {
	if Events&uint32(Preempt) != 0 {
		emit(format.PreemptEnable, uint32(pid), uint64(pc), 0)
		latencyEdge(edgePreempt, false, uint64(pc), pid)
	}
}

// IRQEnter and IRQExit bracket a hardware interrupt handler for vector;
// rip is where the interrupt came in (the code a preemption on its
// return takes the CPU from). An IPI's vector also records IPIRecv.
func IRQEnter(vector, rip uint64) {
	if Events&uint32(IRQ) != 0 {
		emit(format.IRQEnter, uint32(vector), rip, 0)
		latencyEdge(edgeIRQ, true, rip, -1)
	}
}

func IRQExit(vector uint64) {
	if Events&uint32(IRQ) != 0 {
		emit(format.IRQExit, uint32(vector), 0, 0)
		latencyEdge(edgeIRQ, false, 0, -1)
	}
}

// IRQsOff and IRQsOn: local_irq_disable/save turned interrupts off, or
// local_irq_enable/restore back on, at the call from pc (kernel/irq_flags.go).
// Recorded as events of the IRQ class, and the irqsoff tracers' edges.
func IRQsOff(pc uintptr) {
	if Events&uint32(IRQ) != 0 {
		emit(format.IRQsOff, 0, uint64(pc), 0)
		latencyEdge(edgeIRQ, true, uint64(pc), -1)
	}
}

func IRQsOn(pc uintptr) {
	if Events&uint32(IRQ) != 0 {
		emit(format.IRQsOn, 0, uint64(pc), 0)
		latencyEdge(edgeIRQ, false, uint64(pc), -1)
	}
}

// IPISend: an IPI with vector goes to CPU target. IPIRecv: one arrived.
func IPISend(vector uint32, target int) {
	if Events&uint32(IRQ) != 0 {
		emit(format.IPISend, vector, uint64(target), 0)
	}
}

func IPIRecv(vector uint32) {
	if Events&uint32(IRQ) != 0 {
		emit(format.IPIRecv, vector, 0, 0)
	}
}

// FPUBegin and FPUEnd bracket kernel_fpu_begin()/kernel_fpu_end().
func FPUBegin(pid int32) {
	if Events&uint32(FPU) != 0 {
		emit(format.FPUBegin, uint32(pid), 0, 0)
	}
}

func FPUEnd(pid int32) {
	if Events&uint32(FPU) != 0 {
		emit(format.FPUEnd, uint32(pid), 0, 0)
	}
}

// SignalDeliver: signal sig is delivered to pid (its handler's frame is
// built, or its default action taken). For the signal code's delivery
// point.
func SignalDeliver(pid int32, sig int) {
	if Events&uint32(Signal) != 0 {
		emit(format.SignalDeliver, uint32(pid), uint64(sig), 0)
	}
}

// SyscallEnter and SyscallExit bracket system call nr of pid, if the
// filter (SetSyscallFilter) lets nr through. They run on every system
// call, so the test of the class is all that is inlined into the caller:
// one load and a branch while the class is off, as Linux's
// trace_sys_enter is a static key the fast path jumps over. The filter
// and the event are out of line.
func SyscallEnter(pid int32, nr uint64) {
	if Events&uint32(Syscall) != 0 {
		syscallEnter(pid, nr)
	}
}

func SyscallExit(pid int32, nr uint64, ret int64) {
	if Events&uint32(Syscall) != 0 {
		syscallExit(pid, nr, ret)
	}
}

func syscallEnter(pid int32, nr uint64) {
	if syscallTraced(nr) {
		emit(format.SyscallEnter, uint32(pid), nr, 0)
	}
}

func syscallExit(pid int32, nr uint64, ret int64) {
	if syscallTraced(nr) {
		emit(format.SyscallExit, uint32(pid), nr, uint64(ret))
	}
}

//go:nosplit
func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
