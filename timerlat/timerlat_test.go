package timerlat_test

// The latency benchmark (make bench-latency) and a test of what a sample
// means.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gopreempt/kernel"
	"gopreempt/timerlat"
)

var models = []struct {
	name  string
	model kernel.PreemptModel
}{{"none", kernel.PreemptNone}, {"voluntary", kernel.PreemptVoluntary}, {"full", kernel.PreemptFull}}

// BenchmarkWakeupLatency: on every CPU a nice-0 thread wakes every 1 ms,
// with and without a kthread spinning 100 ms in kernel code on its CPU,
// under each preemption model. b.N is the number of samples per CPU
// (run with -benchtime=Nx).
func BenchmarkWakeupLatency(b *testing.B) {
	for _, m := range models {
		for _, hog := range []time.Duration{0, 100 * time.Millisecond} {
			name := fmt.Sprintf("model=%s/hog=%v", m.name, hog)
			b.Run(name, func(b *testing.B) {
				r := timerlat.Run(timerlat.Config{Period: time.Millisecond, Samples: b.N, Hog: hog, Model: m.model})
				us := func(p float64, fig int) float64 { return float64(r.Percentile(p, fig)) / 1e3 }
				b.ReportMetric(us(50, timerlat.Thread), "p50-us")
				b.ReportMetric(us(99, timerlat.Thread), "p99-us")
				b.ReportMetric(us(100, timerlat.Thread), "max-us")
				b.ReportMetric(us(100, timerlat.IRQ), "irqmax-us")
				b.ReportMetric(us(100, timerlat.Sched), "schedmax-us")
				b.ReportMetric(us(99, timerlat.Return), "gop99-us")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// A sample's figures are in order: the timer woke the thread at or after
// the deadline, the kernel switched to it after the wake-up, and it was
// back in Go code after that. And the report prints every run.
func TestSampleOrder(t *testing.T) {
	r := timerlat.Run(timerlat.Config{CPUs: []int{0}, Period: time.Millisecond, Samples: 20, Model: kernel.Model})
	if len(r.Samples) != 20 {
		t.Fatalf("%d samples, want 20", len(r.Samples))
	}
	for i, s := range r.Samples {
		if s.IRQ < 0 || s.Thread < s.IRQ || s.Return < s.Thread {
			t.Errorf("sample %d: IRQ latency %v, thread latency %v, back in Go after %v", i, s.IRQ, s.Thread, s.Return)
		}
	}
	var sb strings.Builder
	timerlat.WriteTable(&sb, []string{"run"}, []timerlat.Result{r})
	timerlat.WriteHistograms(&sb, []string{"run"}, []timerlat.Result{r})
	t.Log("\n" + sb.String())
	if n := strings.Count(sb.String(), "\n"); n != 2+1+12 {
		t.Errorf("report has %d lines, want 15", n)
	}
}
