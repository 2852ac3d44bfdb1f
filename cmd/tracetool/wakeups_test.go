package main

import (
	"bytes"
	"strings"
	"testing"

	"gopreempt/trace/format"
)

// The synthetic trace's one cross-CPU wake-up (pid 11 on CPU 0 wakes
// pid 12 onto idle CPU 1) is followed through its IPI to the switch,
// with the steps' times, and its halt is seen ended by the reschedule
// IPI; without the ipi_send record the report says no IPI was sent.
func TestWakeupReport(t *testing.T) {
	tr, _ := synthetic(t)
	var out bytes.Buffer
	writeWakeups(&out, tr, nil)
	got := out.String()
	for _, want := range []string{
		"1 cross-CPU wake-ups: 1 found the target CPU idle, 0 sent no IPI",
		"most woken: pid 12 (1)\n",
		"what the target took first after the wake-up: 0xf0 1\n",
		"wakeup->ipi_send            1  p50      0.10",
		"ipi_send->ipi_recv          1  p50      0.25",
		"ipi_recv->switch-in         1  p50      0.15",
		"interrupts taken by an idle CPU (cpu:vector count): 1:0xf0 1\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}

	// Only pid 13's wake-ups: there are none.
	out.Reset()
	writeWakeups(&out, tr, pidSet{13: true})
	if !strings.Contains(out.String(), "0 cross-CPU wake-ups") {
		t.Errorf("with -pid 13:\n%s", out.String())
	}

	recs := tr.CPUs[0].Records[:0]
	for _, r := range tr.CPUs[0].Records {
		if r.Type != format.IPISend {
			recs = append(recs, r)
		}
	}
	tr.CPUs[0].Records = recs
	out.Reset()
	writeWakeups(&out, tr, nil)
	if !strings.Contains(out.String(), "1 sent no IPI") {
		t.Errorf("without the ipi_send record:\n%s", out.String())
	}
}
