package format

import (
	"bytes"
	"testing"
)

// A stream written with Writer reads back as it was, after a banner and
// with a truncated earlier stream before it.
func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	put := func(b []byte) { buf.Write(b) }
	buf.WriteString("console noise " + Magic + "\x01\x00") // a cut-off stream
	w := &Writer{Put: put}
	w.Header(2, 1, 2_000_000_000)
	w.Name(7, []byte("pcpu/3"))
	recs := []Record{
		{TSC: 100, Type: SchedSwitch, CPU: 0, A: 1, B: StatePreempted | 1, C: 7},
		{TSC: 150, Type: NeedResched, Flags: FlagIRQsOff, CPU: 0, A: 7, B: ReasonTick, C: 0},
	}
	w.CPU(0, uint64(len(recs)), 3)
	for i := range recs {
		w.Record(&recs[i])
	}
	w.CPU(1, 0, 0)
	w.End()
	tr, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if tr.TSCHz != 2_000_000_000 || len(tr.CPUs) != 2 || tr.Names[7] != "pcpu/3" {
		t.Fatalf("header: %+v", tr)
	}
	if tr.CPUs[0].Lost != 3 || len(tr.CPUs[0].Records) != 2 || len(tr.CPUs[1].Records) != 0 {
		t.Fatalf("CPU sections: %+v", tr.CPUs)
	}
	for i, r := range tr.CPUs[0].Records {
		if r != recs[i] {
			t.Errorf("record %d = %+v, want %+v", i, r, recs[i])
		}
	}
	if _, err := Parse(buf.Bytes()[:buf.Len()-3]); err == nil {
		t.Errorf("a stream without its trailer parsed")
	}
}

func TestNameOf(t *testing.T) {
	r := Record{Type: TaskName, B: 0x342f7570637076, C: 0} // "vpcpu/4" little-endian
	if got := r.NameOf(); got != "vpcpu/4" {
		t.Errorf("NameOf = %q", got)
	}
	for ty := None; ty < NumTypes; ty++ {
		if ty.String() == "" {
			t.Errorf("type %d has no name", ty)
		}
	}
}
