package main

import (
	"encoding/json"
	"fmt"
	"io"
)

// The Chrome trace-event format (the "Trace Event Format" document that
// chrome://tracing and ui.perfetto.dev read): a JSON object whose
// traceEvents array holds events with ph (phase), ts (microseconds),
// pid and tid. Here pid 1 is the machine and each CPU is a thread of it:
// tid N is CPU N's tasks, 100+N its preempt-off sections and 200+N its
// interrupt handlers, so that slices on one track always nest.
//
//	X      a complete slice: ts and dur (a task's run, a section)
//	i      an instant (s: "t", on its track): a wake-up, a need_resched
//	s / f  a flow from an instant to the slice it led to (id; f with
//	       bp "e" binds to the slice around its ts)
//	M      metadata: the names of the process and the tracks

type chromeEvent struct {
	Name string         `json:"name"`
	Cat  string         `json:"cat,omitempty"`
	Ph   string         `json:"ph"`
	Ts   float64        `json:"ts"`
	Dur  *float64       `json:"dur,omitempty"`
	Pid  int            `json:"pid"`
	Tid  int            `json:"tid"`
	S    string         `json:"s,omitempty"`
	ID   int            `json:"id,omitempty"`
	Bp   string         `json:"bp,omitempty"`
	Args map[string]any `json:"args,omitempty"`
}

type chromeTrace struct {
	TraceEvents     []chromeEvent `json:"traceEvents"`
	DisplayTimeUnit string        `json:"displayTimeUnit"`
}

const (
	tidTasks   = 0
	tidPreempt = 100
	tidIRQ     = 200
)

func writeChrome(w io.Writer, tl *timeline) error {
	var ev []chromeEvent
	meta := func(name string, tid int, value string) {
		ev = append(ev, chromeEvent{Name: name, Ph: "M", Pid: 1, Tid: tid, Args: map[string]any{"name": value}})
	}
	meta("process_name", 0, "gopreempt")
	for c := 0; c < tl.cpus; c++ {
		meta("thread_name", tidTasks+c, fmt.Sprintf("CPU %d", c))
		meta("thread_name", tidPreempt+c, fmt.Sprintf("CPU %d preempt-off", c))
		meta("thread_name", tidIRQ+c, fmt.Sprintf("CPU %d irq", c))
	}
	for _, s := range tl.slices {
		d := s.end - s.start
		ev = append(ev, chromeEvent{Name: tl.sliceName(&s), Cat: "sched", Ph: "X", Ts: s.start, Dur: &d,
			Pid: 1, Tid: tidTasks + s.cpu, Args: map[string]any{"pid": s.pid, "end": s.end_, "cpu": s.cpu}})
		if s.at != 0 {
			ev[len(ev)-1].Args["preempted_at"] = tl.sym(s.at)
		}
	}
	for _, s := range tl.sections {
		d := s.end - s.start
		e := chromeEvent{Cat: s.kind, Ph: "X", Ts: s.start, Dur: &d, Pid: 1}
		switch s.kind {
		case "irq":
			e.Name, e.Tid = fmt.Sprintf("irq %#x", s.vector), tidIRQ+s.cpu
			e.Args = map[string]any{"vector": s.vector}
		case "irqs-off":
			e.Name, e.Tid = "irqs-off", tidIRQ+s.cpu
		default:
			e.Name, e.Tid = "preempt-off", tidPreempt+s.cpu
			e.Args = map[string]any{"caller": tl.sym(s.pc)}
		}
		ev = append(ev, e)
	}
	for _, in := range tl.instants {
		ev = append(ev, chromeEvent{Name: in.kind, Cat: "sched", Ph: "i", S: "t", Ts: in.ts, Pid: 1, Tid: tidTasks + in.cpu,
			Args: map[string]any{"pid": in.pid, "task": tl.nameAt(in.pid, in.ts), "detail": in.arg}})
	}
	for i, f := range tl.flows {
		id := i + 1
		ev = append(ev,
			chromeEvent{Name: f.kind, Cat: "flow", Ph: "s", ID: id, Ts: f.from, Pid: 1, Tid: tidTasks + f.fromCPU},
			chromeEvent{Name: f.kind, Cat: "flow", Ph: "f", Bp: "e", ID: id, Ts: f.to, Pid: 1, Tid: tidTasks + f.toCPU})
	}
	enc := json.NewEncoder(w)
	return enc.Encode(chromeTrace{TraceEvents: ev, DisplayTimeUnit: "ns"})
}
