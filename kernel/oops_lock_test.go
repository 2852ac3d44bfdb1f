package kernel_test

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"gopreempt/kernel"
)

// BUG reports made on every CPU at the same moment come out whole, one
// after another (oops_lock.go): in the lines printk delivered, each
// report is its BUG line, its task line, "Backtrace:" and its frames,
// with no line of another report in between. The reporters make the
// same call from the same place, so every report's frames must be the
// same list too: a frame of one report that strayed into another would
// make one list longer and the other shorter. The reports are made in
// rounds, each from one kthread bound to each CPU, released together
// by a barrier, since a single moment of overlap may be missed. (The
// barrier yields: a goroutine spinning without a safe point would hold
// up the Go runtime's stop-the-world, for as long as it spins.)
func TestConcurrentBugReportsAreWhole(t *testing.T) {
	needCPUs(t, 2)
	n := kernel.OnlineCPUs()
	const rounds = 40
	met := 0
	for round := 0; round < rounds; round++ {
		var ready, in, out atomic.Int32
		var lines []string
		got := kernel.ExpectBugs(kernel.BugWrongOwnerUnlock, func() {
			lines = kernel.CapturePrintk(func() {
				ks := make([]*kernel.Kthread, n)
				for cpu := 0; cpu < n; cpu++ {
					ks[cpu] = kernel.KthreadRun("reporter", func(k *kernel.Kthread) {
						k.Bind(cpu)
						ready.Add(1)
						for ready.Load() < int32(n) {
							runtime.Gosched() // a safe point: the runtime may stop the world
						}
						concurrentReport(cpu, &in, &out, &met, n)
					})
				}
				for _, k := range ks {
					<-k.Done()
				}
			})
		})
		if got != uint64(n) {
			t.Fatalf("round %d: %d reports counted, want %d", round, got, n)
		}
		checkWholeReports(t, round, n, lines)
		if t.Failed() {
			return
		}
	}
	t.Logf("%d rounds of %d reports at once; in %d, every reporter was inside ReportBug before the first came out", rounds, n, met)
}

// concurrentReport makes the round's report on cpu. in counts the
// reporters that have entered ReportBug; the first to come out notes
// whether all had (the reports did meet at the lock).
func concurrentReport(cpu int, in, out *atomic.Int32, met *int, n int) {
	in.Add(1)
	kernel.ReportBug(kernel.BugWrongOwnerUnlock, "concurrent report from cpu"+string(rune('0'+cpu)))
	if out.Add(1) == 1 && in.Load() == int32(n) {
		*met++
	}
}

// checkWholeReports checks that lines hold n whole reports of the round.
func checkWholeReports(t *testing.T, round, n int, lines []string) {
	t.Helper()
	type report struct {
		bug, task string
		frames    []string
	}
	var reports []*report
	var cur *report
	var backtrace bool
	fail := func(i int, why string) {
		t.Errorf("round %d, line %d: %s; the lines:\n%s", round, i+1, why, strings.Join(lines, ""))
	}
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\n")
		switch {
		case strings.HasPrefix(l, "BUG: "+kernel.BugWrongOwnerUnlock.String()+": concurrent report from cpu"):
			if cur != nil && (cur.task == "" || len(cur.frames) == 0) {
				fail(i, "a report starts inside another one")
				return
			}
			cur = &report{bug: l}
			reports = append(reports, cur)
			backtrace = false
		case strings.HasPrefix(l, "  task: "):
			if cur == nil || cur.task != "" {
				fail(i, "a task line that is not the second line of a report")
				return
			}
			cur.task = l
		case l == "Backtrace:":
			if cur == nil || cur.task == "" || backtrace {
				fail(i, "a backtrace that does not follow a report's task line")
				return
			}
			backtrace = true
		case strings.HasPrefix(l, "  [<0x"):
			if cur == nil || !backtrace {
				fail(i, "a frame outside a report's backtrace")
				return
			}
			cur.frames = append(cur.frames, l)
		}
	}
	if len(reports) != n {
		t.Errorf("round %d: %d reports in the lines, want %d:\n%s", round, len(reports), n, strings.Join(lines, ""))
		return
	}
	seen := map[string]bool{}
	for i, r := range reports {
		seen[r.bug] = true
		if !slices.Equal(r.frames, reports[0].frames) {
			t.Errorf("round %d: report %d has frames %q, report 1 has %q: lines strayed between reports",
				round, i+1, r.frames, reports[0].frames)
		}
	}
	if len(seen) != n {
		t.Errorf("round %d: %d distinct reporters among %d reports", round, len(seen), n)
	}
}

// A report that finds the lock held by a CPU that never lets it go (one
// that died, or loops, in the middle of its report) does not wait for
// ever: after the bounded wait it says so and prints anyway, whole.
func TestBugReportDoesNotWaitForeverForTheReportLock(t *testing.T) {
	const deadCPU = kernel.MaxCPUs - 1
	var lines []string
	var got uint64
	kernel.WithDeadReportLockHolder(deadCPU, 50e6, func() {
		got = kernel.ExpectBugs(kernel.BugWrongOwnerUnlock, func() {
			lines = kernel.CapturePrintk(func() {
				kernel.ReportBug(kernel.BugWrongOwnerUnlock, "report past a dead holder")
			})
		})
	})
	if got != 1 {
		t.Fatalf("%d reports counted, want 1", got)
	}
	marker := fmt.Sprintf("(report lock: waited 50 ms for the report on cpu%d to finish; this report may interleave with it)\n", deadCPU)
	if len(lines) < 4 || lines[0] != marker || !strings.HasPrefix(lines[1], "BUG: ") {
		t.Fatalf("want the wait's line, then the report; got:\n%s", strings.Join(lines, ""))
	}
	if !strings.Contains(lines[1], "report past a dead holder") {
		t.Errorf("the report's first line is %q", lines[1])
	}
}
