package system

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
)

// The preemption model is chosen on the kernel command line, as Linux's
// preempt=: under none (and voluntary, since the spin has no voluntary
// preemption point) a CPU-bound kthread keeps the only CPU for its whole
// spin although the tick asked for a reschedule; under full the timer
// takes it away. The program spins until a time slice of ticks has found
// the spinner running, with the counter runnable (testdata/preemptmodel).
func TestPreemptModelFromCommandLine(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	re := regexp.MustCompile(`model=(\d) progress=(\d+) preempt_irq=(\d+) need_resched=(\w+) ticks=(\d+) needed=(\d+) void=(\d+)`)
	for i, model := range []string{"none", "voluntary", "full"} {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			r := boot(t, buildKernel(t, "preemptmodel"), bootConfig{cmdline: "preempt=" + model})
			r.wantStatus(t, 0)
			r.wantOutput(t, "preempt="+model)
			m := re.FindStringSubmatch(r.output)
			if m == nil {
				t.Fatalf("no result line in the output:\n%s", r.output)
			}
			t.Log(m[0])
			if m[1] != fmt.Sprint(i) {
				t.Errorf("kernel.Model = %s, want %d", m[1], i)
			}
			progress, _ := strconv.Atoi(m[2])
			irqs, _ := strconv.Atoi(m[3])
			ticks, _ := strconv.Atoi(m[5])
			needed, _ := strconv.Atoi(m[6])
			if ticks < needed && (model != "full" || progress == 0) {
				t.Fatalf("only %d of the %d ticks needed arrived during the spin: the host starves QEMU's timer", ticks, needed)
			}
			switch model {
			case "full":
				if progress == 0 || irqs == 0 {
					t.Errorf("preempt=full: progress %d, preemptions %d in %d ticks; the spinner was not preempted", progress, irqs, ticks)
				}
			default:
				if progress != 0 || irqs != 0 {
					t.Errorf("preempt=%s: progress %d, preemptions %d during a spin that nothing may preempt", model, progress, irqs)
				}
				if m[4] != "true" {
					t.Errorf("preempt=%s: need_resched not set after %d ticks with the counter runnable", model, ticks)
				}
			}
		})
	}
}
