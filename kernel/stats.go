package kernel

import (
	"fmt"
	"io"
	"time"
)

// Scheduling statistics, per task and per CPU: what a student looks at to
// see preemption happen. Voluntary switches are a task giving up the CPU
// (blocking, yielding); involuntary ones are preemptions, split by where
// they happened: at preempt_enable() or on the return from an interrupt.

// TaskStats is kept in each task.
type TaskStats struct {
	Voluntary         uint64 // switches out by schedule() without PREEMPT_ACTIVE
	Involuntary       uint64 // switches out by schedule() with PREEMPT_ACTIVE (preempted)
	PreemptFromEnable uint64 // preemptions in preempt_enable()
	PreemptFromIRQ    uint64 // preemptions on interrupt return
	Ticks             uint64 // timer ticks that found it running
	Wakeups           uint64
	Migrations        uint64 // times it resumed on another CPU
	Syscalls          uint64
	MaxPreemptOff     uint64 // longest preempt-off section, ns, while traced (notePreemptOff)

	lastCPU uint32
	ran     bool
}

// CPUStats is kept in each run queue.
type CPUStats struct {
	Switches          uint64
	Ticks             uint64
	PreemptFromEnable uint64
	PreemptFromIRQ    uint64
	Migrations        uint64 // switches to a task that last ran on another CPU
	ReschedIPIs       uint64 // reschedule IPIs taken (wake-ups from other CPUs)
	Pulled            uint64 // tasks this CPU pulled from a busier one (load balancing)
	WakeupPreempts    uint64 // wake-ups that asked the running task to make way
	TickPreempts      uint64 // ticks that ended the running task's slice
	IdleHalts         uint64
	MaxPreemptOff     uint64
}

// notePreemptOff records the length of a preempt-off section. The
// sections are timed only while the preempt class is traced (trace=preempt
// or all, or the preemptoff and preemptirqsoff latency tracers, which add
// it), so that preempt_disable() reads no clock otherwise (preempt.go);
// a MaxPreemptOff of zero means "not measured".
func notePreemptOff(t *Task, ns uint64) {
	if ns > t.Stats.MaxPreemptOff {
		t.Stats.MaxPreemptOff = ns
	}
	rq := cpuRQ(int(t.ThreadInfo.CPU))
	if ns > rq.Stats.MaxPreemptOff {
		rq.Stats.MaxPreemptOff = ns
	}
}

// CPUStatsOf returns a copy of CPU cpu's statistics.
func CPUStatsOf(cpu int) CPUStats { return cpuRQ(cpu).Stats }

// WriteSchedStats prints every task's statistics and each CPU's, as a
// table (task context: it uses fmt).
func WriteSchedStats(w io.Writer) {
	fmt.Fprintf(w, "(MAX-PREEMPT-OFF and the longest preempt-off are timed only while the preempt class is traced, trace=preempt; -: not measured)\n")
	fmt.Fprintf(w, "%5s %-15s %4s %8s %8s %8s %8s %7s %12s\n",
		"PID", "TASK", "NICE", "VOLUN", "INVOL", "P-ENABLE", "P-IRQ", "TICKS", "MAX-PREEMPT-OFF")
	ForEachTask(func(t *Task) {
		if t.kind == taskIdle || t.State == TASK_DEAD {
			return
		}
		s := &t.Stats
		fmt.Fprintf(w, "%5d %-15s %4d %8d %8d %8d %8d %7d %15s\n", t.Pid, t.NameString(), t.Nice,
			s.Voluntary, s.Involuntary, s.PreemptFromEnable, s.PreemptFromIRQ, s.Ticks,
			preemptOffString(s.MaxPreemptOff))
	})
	for cpu := 0; cpu < OnlineCPUs(); cpu++ {
		s := cpuRQ(cpu).Stats
		fmt.Fprintf(w, "cpu%d: %d switches, %d ticks, preemptions %d at preempt_enable and %d on interrupt return, %d idle halts, longest preempt-off %s\n",
			cpu, s.Switches, s.Ticks, s.PreemptFromEnable, s.PreemptFromIRQ, s.IdleHalts, preemptOffString(s.MaxPreemptOff))
		fmt.Fprintf(w, "cpu%d: %d migrations in, %d reschedule IPIs, %d tasks pulled by load balancing\n",
			cpu, s.Migrations, s.ReschedIPIs, s.Pulled)
	}
}

// preemptOffString is a MaxPreemptOff for the table: "-" if no section
// was timed (notePreemptOff).
func preemptOffString(ns uint64) string {
	if ns == 0 {
		return "-"
	}
	return time.Duration(ns).String()
}
