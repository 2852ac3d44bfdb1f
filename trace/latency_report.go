package trace

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"gopreempt/trace/format"
)

// The latency report, in ftrace's latency format, so that it can be held
// next to ftrace's documentation (Documentation/trace/ftrace.rst, the
// irqsoff example): a header with the latency, the number of events
// shown and recorded, the CPU, the preemption model and the CPU count,
// the task, the call sites that started and ended the section; then one
// line per event with the flag columns:
//
//	irqs-off        d: interrupts were off, '.': on
//	need-resched    N: need_resched was set on the task, '.': not
//	hardirq         h: inside an interrupt handler, '.': not
//	preempt-depth   1: inside the preempt-off section, '.': not
//
// The flags of an event are rebuilt from the events before it in the
// section (irqs-off is recorded with each event), the way a student would
// read them off the timeline. The delay mark after the time follows
// ftrace's: '!' more than 100 us to the next event, '+' more than 10 us.

// Report writes m as ftrace would print it for its tracer. model names
// the preemption model ("preempt", "desktop", "server": Linux's M:),
// name gives a task's name for its pid. For tests (kernel/trace_test.go),
// which print and check it.
func (m *LatencyMax) Report(w io.Writer, model string, name func(pid int32) string) {
	hz := tscHz()
	if hz == 0 {
		hz = 1
	}
	us := func(tsc uint64) uint64 { return tsc * 1_000_000 / hz }
	task := fmt.Sprintf("%s-%d", name(m.Pid), m.Pid)
	fmt.Fprintf(w, "# tracer: %s\n#\n", m.Tracer)
	fmt.Fprintf(w, "# %s latency trace v1.1.5 on gopreempt\n", m.Tracer)
	fmt.Fprintf(w, "# --------------------------------------------------------------------\n")
	fmt.Fprintf(w, "# latency: %d us, #%d/%d, CPU#%d | (M:%s VP:0, KP:0, SP:0 HP:0 #P:%d)\n",
		us(m.TSC), len(m.Records), m.total, m.CPU, model, numCPUs())
	fmt.Fprintf(w, "#    -----------------\n")
	fmt.Fprintf(w, "#    | task: %s (uid:0 nice:0 policy:0 rt_prio:0)\n", task)
	fmt.Fprintf(w, "#    -----------------\n")
	if m.Tracer != WakeupTracer {
		fmt.Fprintf(w, "#  => started at: %s\n", funcAt(m.StartPC, "local_irq_disable"))
		fmt.Fprintf(w, "#  => ended at:   %s\n", funcAt(m.EndPC, "local_irq_enable"))
	}
	fmt.Fprint(w, `#
#
#                  _------=> CPU#
#                 / _-----=> irqs-off
#                | / _----=> need-resched
#                || / _---=> hardirq/softirq
#                ||| / _--=> preempt-depth
#                |||| /     delay
#  cmd     pid   ||||| time  |   caller
#     \   /      |||||  \    |   /
`)
	var hardirq, preemptOff, resched bool
	cur := m.Pid
	for i, r := range m.Records {
		switch r.Type {
		case format.IRQEnter:
			hardirq = true
		case format.PreemptDisable:
			preemptOff = true
		case format.NeedResched:
			resched = resched || int32(r.A) == cur
		case format.SchedSwitch:
			cur, resched = int32(r.C), false
		}
		flags := []byte{'.', '.', '.', '.'}
		if r.Flags&format.FlagIRQsOff != 0 {
			flags[0] = 'd'
		}
		if resched {
			flags[1] = 'N'
		}
		if hardirq {
			flags[2] = 'h'
		}
		if preemptOff {
			flags[3] = '1'
		}
		switch r.Type {
		case format.IRQExit:
			hardirq = false
		case format.PreemptEnable:
			preemptOff = false
		}
		mark := " "
		if i+1 < len(m.Records) {
			switch d := us(m.Records[i+1].TSC - r.TSC); {
			case d > 100:
				mark = "!"
			case d > 10:
				mark = "+"
			}
		}
		t := uint64(0)
		if r.TSC > m.StartTSC {
			t = us(r.TSC - m.StartTSC)
		}
		who := fmt.Sprintf("%s-%d", name(cur), cur)
		fmt.Fprintf(w, "%16s %d%s %5dus%s: %s\n", who, r.CPU, flags, t, mark, describe(r))
	}
}

// describe is the caller column: the event and its fields.
func describe(r format.Record) string {
	switch r.Type {
	case format.PreemptDisable, format.PreemptEnable:
		return fmt.Sprintf("%s <-%s", r.Type, funcAt(r.B, "?"))
	case format.IRQEnter:
		return fmt.Sprintf("irq_enter: vector=%#x <-%s", r.A, funcAt(r.B, "?"))
	case format.IRQExit:
		return fmt.Sprintf("irq_exit: vector=%#x", r.A)
	case format.SchedSwitch:
		return fmt.Sprintf("sched_switch: prev_pid=%d prev_state=%d%s ==> next_pid=%d",
			r.A, uint32(r.B), map[bool]string{true: " (preempted)"}[r.B&format.StatePreempted != 0], r.C)
	case format.SchedWakeup:
		return fmt.Sprintf("sched_wakeup: pid=%d target_cpu=%d", r.A, r.B)
	case format.NeedResched:
		return fmt.Sprintf("need_resched: pid=%d reason=%s", r.A, format.ReasonString(r.B))
	case format.IRQsOff, format.IRQsOn:
		return r.Type.String()
	case format.TaskName:
		return fmt.Sprintf("task_name: pid=%d comm=%s", r.A, r.NameOf())
	}
	return fmt.Sprintf("%s: %d %#x %#x", r.Type, r.A, r.B, r.C)
}

// funcAt names the function at pc, or none when pc is 0.
func funcAt(pc uint64, none string) string {
	if pc == 0 {
		return none
	}
	f := runtime.FuncForPC(uintptr(pc))
	if f == nil {
		return fmt.Sprintf("%#x", pc)
	}
	n := f.Name()
	if i := strings.LastIndex(n, "/"); i >= 0 {
		n = n[i+1:]
	}
	return n
}
