package main

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The JSON follows the trace-event format: an object with traceEvents,
// every event with name, ph, ts, pid and tid; X events with a
// non-negative dur; instants with a scope; each flow start with a
// matching finish bound to its enclosing slice; and the events' own
// fields in args.
func TestChromeJSON(t *testing.T) {
	tr, switches := synthetic(t)
	var buf bytes.Buffer
	if err := writeChrome(&buf, buildTimeline(tr)); err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not a JSON object: %v", err)
	}
	var events []map[string]any
	if err := json.Unmarshal(doc["traceEvents"], &events); err != nil {
		t.Fatalf("traceEvents: %v", err)
	}
	phases := map[string]int{}
	flows := map[float64]string{}
	taskSlices, threadNames := 0, 0
	for i, e := range events {
		for _, k := range []string{"name", "ph", "pid", "tid"} {
			if _, ok := e[k]; !ok {
				t.Fatalf("event %d has no %q: %v", i, k, e)
			}
		}
		ph := e["ph"].(string)
		phases[ph]++
		if _, ok := e["ts"].(float64); !ok && ph != "M" {
			t.Fatalf("event %d: ts %v is not a number", i, e["ts"])
		}
		args, _ := e["args"].(map[string]any)
		switch ph {
		case "X":
			if d, ok := e["dur"].(float64); !ok || d < 0 {
				t.Errorf("complete event without a dur >= 0: %v", e)
			}
			if e["cat"] == "sched" {
				taskSlices++
				if _, ok := args["pid"]; !ok {
					t.Errorf("task slice without args.pid: %v", e)
				}
				if args["end"] == "preempted-irq" && args["preempted_at"] != "0x4c0000" {
					t.Errorf("slice preempted on interrupt return without the interrupted RIP: %v", e)
				}
			}
		case "i":
			if e["s"] != "t" {
				t.Errorf("instant without thread scope: %v", e)
			}
			if args["pid"] == nil || args["detail"] == nil {
				t.Errorf("instant without its fields: %v", e)
			}
		case "s":
			flows[e["id"].(float64)] += "s"
		case "f":
			if e["bp"] != "e" {
				t.Errorf("flow finish not bound to the enclosing slice: %v", e)
			}
			flows[e["id"].(float64)] += "f"
		case "M":
			if e["name"] == "thread_name" {
				threadNames++
			}
		default:
			t.Errorf("unexpected phase %q", ph)
		}
	}
	if taskSlices != switches {
		t.Errorf("%d task slices, want one per switch: %d", taskSlices, switches)
	}
	if phases["i"] != 3 { // two need_resched, one wake-up
		t.Errorf("%d instants, want 3", phases["i"])
	}
	if len(flows) != 3 {
		t.Errorf("%d flows, want 3 (a wake-up and two need_resched)", len(flows))
	}
	for id, v := range flows {
		if v != "sf" {
			t.Errorf("flow %v: %q, want a start then a finish", id, v)
		}
	}
	if threadNames != 3*len(tr.CPUs) {
		t.Errorf("%d thread names, want 3 tracks per CPU", threadNames)
	}
}
