package kernel

import (
	"sync/atomic"
	"unsafe"

	"gopreempt/internal/addr"
	"gopreempt/percpu"
	"gopreempt/trace"
	"gopreempt/trace/format"
)

// The kernel's side of the event tracer (package trace): what the tracer
// needs to know about the kernel, and the few helpers the hooks in the
// scheduler and the preemption code share. The events themselves are
// recorded where they happen, one line each (schedule.go, wake.go,
// tick.go, preempt.go, preempt_schedule.go, and irq and fpu).

// TracePid is the running task's pid, for the latency tracers
// (trace.SetCurrentPid, installed by boot/hooks.go). Any context.
//
//go:nosplit
func TracePid() int32 {
	if t := Current(); t != nil {
		return t.Pid
	}
	return -1
}

// TraceTaskNames walks the live tasks' names for the trace's header
// (trace.Setup, installed by boot/hooks.go).
// Task context.
func TraceTaskNames(fn func(pid int32, name []byte)) {
	ForEachTask(func(t *Task) {
		n := 0
		for n < len(t.Name) && t.Name[n] != 0 {
			n++
		}
		fn(t.Pid, t.Name[:n])
	})
}

// setTskNeedReschedBy is SetTskNeedResched with the reason recorded
// (format.Reason*): the tick, a wake-up, the idle task's wait. Any
// context.
func setTskNeedReschedBy(t *Task, reason uint64) {
	atomic.OrUint64(&t.ThreadInfo.Flags, TIF_NEED_RESCHED)
	trace.NeedResched(t.Pid, reason, int(t.ThreadInfo.CPU))
}

// traceReschedIPI records, on the CPU a reschedule IPI reached, that
// need_resched is set because of it (the irq package calls it from the
// IPI's entry). Interrupt context.
func traceReschedIPI() {
	if t := Current(); trace.On(trace.Sched) && TestTskNeedResched(t) {
		trace.NeedResched(t.Pid, reasonIPI, percpu.RawSmpProcessorID())
	}
}

// traceSwitch records a switch from prev to next (schedule.go's one
// line): sched_switch, and first the name prev ran under when the trace
// does not have it yet (a kthread names itself after it starts, and
// takes its old name back when it ends, so the name at exit is not the
// one it ran under). Interrupts off, rq.lock held.
//
//go:nosplit
func traceSwitch(prev, next *Task) {
	if !trace.On(trace.Sched) {
		return
	}
	lo := *(*uint64)(unsafe.Pointer(&prev.Name[0]))
	hi := *(*uint64)(unsafe.Pointer(&prev.Name[8]))
	if p := uint32(prev.Pid); p < uint32(len(traceNamed)) {
		n := &traceNamed[p]
		if e := trace.Epoch(); n.epoch != e || n.lo != lo || n.hi != hi {
			n.epoch, n.lo, n.hi = e, lo, hi
			trace.TaskName(prev.Pid, lo, hi)
		}
	}
	trace.SchedSwitch(prev.Pid, prev.State, prev.ThreadInfo.PreemptCount&PREEMPT_ACTIVE != 0, next.Pid)
}

// traceNamed is, per pid, the name last recorded in this trace. Each
// entry is written only by the CPU switching that pid out.
var traceNamed [4096]struct {
	epoch  uint32
	lo, hi uint64
}

// callerPC returns the return address saved in the frame whose frame
// pointer is fp: the PC in the caller of the function that owns the
// frame (amd64.FramePointer gives a function its own frame pointer).
//
//go:nosplit
func callerPC(fp uintptr) uintptr { return *(*uintptr)(addr.Ptr(fp + 8)) }

// TraceAtExit, when set (trace= on the command line), drains the trace
// to the trace port as the machine powers off, so a run's whole trace
// reaches the host.
var TraceAtExit bool

// traceDrainAtExit is PowerOff's hook: any context, the machine's end.
func traceDrainAtExit() {
	if TraceAtExit && trace.Running() {
		TraceAtExit = false
		trace.Drain()
	}
}

// Reasons re-exported for the kernel's call sites.
const (
	reasonTick    = format.ReasonTick
	reasonWakeup  = format.ReasonWakeup
	reasonIPI     = format.ReasonIPI
	reasonRequest = format.ReasonRequest
)
