package cmdline

import (
	"strings"
	"testing"
)

func TestTraceOption(t *testing.T) {
	for _, v := range []string{"all", "sched", "sched,irq,preempt,fpu,signal,syscall"} {
		o, err := Parse("trace=" + v)
		if err != nil || o.Trace != v {
			t.Errorf("trace=%s: %q, %v", v, o.Trace, err)
		}
		if !strings.Contains(o.Format(), "trace="+v) {
			t.Errorf("trace=%s: Format gives %q", v, o.Format())
		}
	}
	for _, bad := range []string{"trace=", "trace=sched,", "trace=schedule", "trace=all,bogus"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if o, _ := Parse(""); o.Trace != "" || strings.Contains(o.Format(), "trace=") {
		t.Errorf("no trace= by default: %q", o.Format())
	}
}
