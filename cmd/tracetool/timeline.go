package main

import (
	"fmt"
	"sort"

	"gopreempt/trace/format"
)

// A timeline is the trace turned into what both outputs draw: per CPU,
// the task slices between switches, the sections with preemption or
// interrupts off, and the instants (wake-ups, need_resched) with the
// switches they lead to.
//
// A task slice starts at a sched_switch (its next task) and ends at the
// CPU's next sched_switch, or at the CPU's last record: so there is
// exactly one slice per switch event. What ran before a CPU's first
// switch is not drawn, since the trace does not say since when.

type timeline struct {
	sym      func(pc uint64) string // names a PC: the -elf symbolizer, or hex
	history  map[int32][]named      // each pid's task_name records, in time order
	cpus     int
	names    map[int32]string
	slices   []slice
	sections []section
	instants []instant
	flows    []flow
	switches int
	endUS    float64
}

type slice struct {
	cpu        int
	pid        int32
	name       string  // the name the task ran under (task_name), or the header's
	start, end float64 // microseconds from the first record
	// How it ended: "" (still running at the end of the trace),
	// "blocked" (slept or yielded), "preempted-irq" (preempted on
	// interrupt return), "preempted-enable" (at preempt_enable()),
	// "preempted" (preempted, the path not recorded).
	end_  string
	state uint32 // prev state at the switch that ended it
	// at is where a preempted slice was preempted: the interrupted RIP
	// (on interrupt return) or preempt_enable()'s caller.
	at uint64
}

type section struct {
	cpu        int
	kind       string // "preempt-off", "irq" (a hardirq handler: interrupts off) or "irqs-off" (local_irq_disable/save)
	start, end float64
	pc         uint64 // preempt_disable's caller
	vector     uint32
}

type instant struct {
	cpu  int
	kind string // "wakeup", "need_resched"
	ts   float64
	pid  int32
	arg  string // wakeup: target CPU; need_resched: reason
}

// A flow joins an instant to the switch it caused: a wake-up to the
// woken task's switch-in, a need_resched to the marked task's switch-out.
type flow struct {
	kind          string // "wakeup" or "need_resched"
	fromCPU       int
	from          float64
	toCPU         int
	to            float64
	pid           int32
	toSliceStarts bool // the flow ends where a slice starts (switch-in)
}

type event struct {
	format.Record
	us float64
}

// sliceName is the name a slice is drawn with.
func (tl *timeline) sliceName(s *slice) string {
	if s.name != "" {
		return s.name
	}
	return tl.name(s.pid)
}

func (tl *timeline) name(pid int32) string {
	if n, ok := tl.names[pid]; ok && n != "" {
		return n
	}
	if pid == 0 {
		return "idle"
	}
	return fmt.Sprintf("pid %d", pid)
}

func buildTimeline(tr *format.Trace) *timeline {
	tl := &timeline{names: map[int32]string{}, sym: func(pc uint64) string { return fmt.Sprintf("%#x", pc) }}
	for pid, n := range tr.Names {
		tl.names[pid] = n
	}
	hz := float64(tr.TSCHz)
	if hz == 0 {
		hz = 1e9
	}
	var base uint64
	first := true
	for _, c := range tr.CPUs {
		for _, r := range c.Records {
			if first || r.TSC < base {
				base, first = r.TSC, false
			}
		}
		if c.ID+1 > tl.cpus {
			tl.cpus = c.ID + 1
		}
	}
	us := func(tsc uint64) float64 { return float64(tsc-base) * 1e6 / hz }

	var all []event
	for _, c := range tr.CPUs {
		var open *slice
		var lastPreempt string                  // the preempt_schedule path entered last on this CPU
		var irqRIP, enablePC, preemptAt uint64  // where the last interrupt came in, the last preempt_enable's caller
		var offStart, irqStart float64 = -1, -1 // open sections
		var irqsOffStart float64 = -1
		var offPC uint64
		var irqVec uint32
		var last float64
		for _, r := range c.Records {
			t := us(r.TSC)
			last = t
			all = append(all, event{r, t})
			switch r.Type {
			case format.SchedSwitch:
				tl.switches++
				if open != nil {
					open.end = t
					open.state = uint32(r.B)
					open.end_ = "blocked"
					if r.B&format.StatePreempted != 0 {
						open.at = preemptAt
						switch lastPreempt {
						case "irq":
							open.end_ = "preempted-irq"
						case "enable":
							open.end_ = "preempted-enable"
						default:
							open.end_ = "preempted"
						}
					}
					tl.slices = append(tl.slices, *open)
				}
				lastPreempt = ""
				open = &slice{cpu: c.ID, pid: int32(r.C), start: t}
			case format.PreemptScheduleIRQEnter:
				lastPreempt, preemptAt = "irq", irqRIP
			case format.PreemptScheduleEnter:
				lastPreempt, preemptAt = "enable", enablePC
			case format.PreemptDisable:
				offStart, offPC = t, r.B
			case format.PreemptEnable:
				enablePC = r.B
				if offStart >= 0 {
					tl.sections = append(tl.sections, section{cpu: c.ID, kind: "preempt-off", start: offStart, end: t, pc: offPC})
				}
				offStart = -1
			case format.IRQsOff:
				irqsOffStart = t
			case format.IRQsOn:
				if irqsOffStart >= 0 {
					tl.sections = append(tl.sections, section{cpu: c.ID, kind: "irqs-off", start: irqsOffStart, end: t})
				}
				irqsOffStart = -1
			case format.IRQEnter:
				irqStart, irqVec, irqRIP = t, r.A, r.B
			case format.IRQExit:
				if irqStart >= 0 {
					tl.sections = append(tl.sections, section{cpu: c.ID, kind: "irq", start: irqStart, end: t, vector: irqVec})
				}
				irqStart = -1
			case format.SchedWakeup:
				tl.instants = append(tl.instants, instant{cpu: c.ID, kind: "wakeup", ts: t, pid: int32(r.A), arg: fmt.Sprintf("target CPU %d", r.B)})
			case format.NeedResched:
				tl.instants = append(tl.instants, instant{cpu: c.ID, kind: "need_resched", ts: t, pid: int32(r.A), arg: format.ReasonString(r.B)})
			}
		}
		if open != nil {
			open.end = last
			tl.slices = append(tl.slices, *open)
		}
		if last > tl.endUS {
			tl.endUS = last
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].TSC < all[j].TSC })
	tl.flows = findFlows(all)
	nameSlices(tl, all)
	return tl
}

// findFlows pairs each wake-up with the woken task's next switch-in, and
// each need_resched with the marked task's next switch-out (on the CPU
// it runs on), in time order over all CPUs.
func findFlows(all []event) []flow {
	var flows []flow
	wakeups := map[int32]event{} // pid -> pending wake-up
	resched := map[int32]event{} // pid -> pending need_resched
	for _, e := range all {
		switch e.Type {
		case format.SchedWakeup:
			if _, ok := wakeups[int32(e.A)]; !ok {
				wakeups[int32(e.A)] = e
			}
		case format.NeedResched:
			if _, ok := resched[int32(e.A)]; !ok {
				resched[int32(e.A)] = e
			}
		case format.SchedSwitch:
			prev, next := int32(e.A), int32(e.C)
			if w, ok := wakeups[next]; ok {
				flows = append(flows, flow{"wakeup", int(w.CPU), w.us, int(e.CPU), e.us, next, true})
				delete(wakeups, next)
			}
			if n, ok := resched[prev]; ok {
				flows = append(flows, flow{"need_resched", int(n.CPU), n.us, int(e.CPU), e.us, prev, false})
				delete(resched, prev)
			}
		}
	}
	return flows
}

// nameSlices gives each slice the name its task ran under: the last
// task_name record for the pid up to the slice's end (the kernel records
// one before a switch-out whenever the name changed). A kthread renames
// its thread when it starts and gives the old name back when it ends,
// so the header's names, taken at the drain, are only the fallback.
type named struct {
	us   float64
	name string
}

// nameAt is the name pid ran under at time us: that of the first
// task_name record from then on (written at the switch-out that ends
// the slice running then), else the last one, else the header's.
func (tl *timeline) nameAt(pid int32, us float64) string {
	h := tl.history[pid]
	if j := sort.Search(len(h), func(k int) bool { return h[k].us >= us }); j < len(h) {
		return h[j].name
	}
	if len(h) > 0 {
		return h[len(h)-1].name
	}
	return tl.name(pid)
}

func nameSlices(tl *timeline, all []event) {
	history := map[int32][]named{}
	tl.history = history
	for _, e := range all {
		if e.Type == format.TaskName {
			pid := int32(e.A)
			history[pid] = append(history[pid], named{e.us, e.NameOf()})
			if _, ok := tl.names[pid]; !ok {
				tl.names[pid] = e.NameOf()
			}
		}
	}
	for i := range tl.slices {
		s := &tl.slices[i]
		h := history[s.pid]
		// The last record up to the slice's end: the one written
		// just before the switch-out that ended it. A slice still
		// running at the end of the trace may have none.
		j := sort.Search(len(h), func(k int) bool { return h[k].us > s.end })
		if j > 0 {
			s.name = h[j-1].name
		}
	}
}
