package system

import (
	"regexp"
	"strings"
	"testing"
)

// The demo that make run boots (cmd/gopreempt, demo=percpu), on four
// CPUs as make run starts it: it must end by itself with status 0, and
// show what it is there to show. Under preempt=full the spin inside
// preempt_disable() is never preempted by an interrupt, and the per-CPU
// counters updated with get_cpu_var and this_cpu_inc are exact; under
// preempt=none even the unprotected one is, because no task loses the
// CPU inside its read-modify-write.
func TestDemo(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	table := regexp.MustCompile(`(?m)^\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+$`)
	for _, model := range []string{"full", "none"} {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			r := boot(t, buildKernel(t, "cmd/gopreempt"), bootConfig{
				smp:     "4",
				cmdline: "loglevel=6 demo=percpu preempt=" + model,
				timeout: "240s",
			})
			r.wantStatus(t, 0)
			r.wantOutput(t,
				"=== part 1: the Go runtime on gopreempt ===",
				"=== part 2: preemption (preempt="+model+") ===",
				"spinner preempted 0 times on interrupt return",
				"per-CPU counters:",
				"on 4 CPUs",
				"total (b) get_cpu_var:",
				"total (c) this_cpu_inc:",
				"demo finished",
			)
			for _, name := range []string{"(b) get_cpu_var", "(c) this_cpu_inc"} {
				if !exactTotal(r.output, name) {
					t.Errorf("%s is not exact", name)
				}
			}
			if model == "none" && !exactTotal(r.output, "(a) unprotected") {
				t.Errorf("(a) lost updates under preempt=none")
			}
			cpus := map[string]bool{}
			for _, m := range table.FindAllStringSubmatch(r.output, -1) {
				cpus[m[1]] = true
			}
			if len(cpus) != 4 {
				t.Errorf("the counter table has rows for CPUs %v, want 0..3", cpus)
			}
			for _, l := range strings.Split(r.output, "\n") {
				if strings.HasPrefix(l, "total (a)") {
					t.Logf("preempt=%s: %s", model, l)
				}
			}
		})
	}
}

// exactTotal reports whether the demo's total line for name says exact.
func exactTotal(out, name string) bool {
	re := regexp.MustCompile(`total ` + regexp.QuoteMeta(name) + `: (\d+) of (\d+) increments: exact`)
	m := re.FindStringSubmatch(out)
	return m != nil && m[1] == m[2]
}
