package timerlat

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// The console report: a table of percentiles and a histogram of thread
// latencies with one column per run, side by side, on log-scale buckets
// (as cyclictest -h prints one per CPU).

// bucketBounds are the histogram's upper bounds; the last bucket is open.
var bucketBounds = []time.Duration{
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond, 8 * time.Millisecond,
	16 * time.Millisecond, 32 * time.Millisecond, 64 * time.Millisecond, 128 * time.Millisecond,
}

// Histogram counts r's thread latencies per bucket.
func (r Result) Histogram() []int {
	h := make([]int, len(bucketBounds)+1)
	for _, s := range r.Samples {
		b := 0
		for b < len(bucketBounds) && s.Thread >= bucketBounds[b] {
			b++
		}
		h[b]++
	}
	return h
}

// WriteTable prints one line per run: its name, the IRQ latency's p50
// and max, the thread latency's p50, p99 and max, and the most the
// scheduler added to one wake-up.
func WriteTable(w io.Writer, names []string, runs []Result) {
	fmt.Fprintf(w, "%-22s %7s %8s %8s | %8s %8s %8s | %9s\n", "", "samples", "irq p50", "irq max", "p50", "p99", "max", "sched max")
	for i, r := range runs {
		fmt.Fprintf(w, "%-22s %7d %8s %8s | %8s %8s %8s | %9s\n", names[i], len(r.Samples),
			short(r.Percentile(50, IRQ)), short(r.Percentile(100, IRQ)),
			short(r.Percentile(50, Thread)), short(r.Percentile(99, Thread)), short(r.Percentile(100, Thread)),
			short(r.Percentile(100, Sched)))
	}
}

// WriteHistograms prints the runs' histograms side by side, each bucket
// a row, each run a column of a count and a bar scaled to its samples.
func WriteHistograms(w io.Writer, names []string, runs []Result) {
	const bar = 12
	hs := make([][]int, len(runs))
	fmt.Fprintf(w, "%-10s", "latency")
	for i, r := range runs {
		hs[i] = r.Histogram()
		fmt.Fprintf(w, " | %-*s", bar+5, names[i])
	}
	fmt.Fprintln(w)
	for b := range len(bucketBounds) + 1 {
		label := "< " + short(bucketBounds[min(b, len(bucketBounds)-1)])
		if b == len(bucketBounds) {
			label = ">= " + short(bucketBounds[b-1])
		}
		fmt.Fprintf(w, "%-10s", label)
		for i, r := range runs {
			n := hs[i][b]
			l := 0
			if len(r.Samples) > 0 {
				l = (n*bar + len(r.Samples) - 1) / len(r.Samples)
			}
			fmt.Fprintf(w, " | %4d %-*s", n, bar, strings.Repeat("#", l))
		}
		fmt.Fprintln(w)
	}
}

// short prints d with three significant digits at most.
func short(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d)
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fus", float64(d)/1e3)
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0fms", float64(d)/1e6)
}
