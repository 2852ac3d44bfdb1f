package system

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
)

// The preemption model is chosen on the kernel command line, as Linux's
// preempt=: under none a CPU-bound kthread keeps the only CPU for its
// whole spin, under full the timer takes it away.
func TestPreemptModelFromCommandLine(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	re := regexp.MustCompile(`model=(\d) progress=(\d+) preempt_irq=(\d+)`)
	for i, model := range []string{"none", "voluntary", "full"} {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			r := boot(t, buildKernel(t, "preemptmodel"), bootConfig{cmdline: "preempt=" + model})
			r.wantStatus(t, 0)
			r.wantOutput(t, "preempt="+model)
			m := re.FindStringSubmatch(r.output)
			if m == nil {
				t.Fatalf("no result line in the output")
			}
			if m[1] != fmt.Sprint(i) {
				t.Errorf("kernel.Model = %s, want %d", m[1], i)
			}
			progress, _ := strconv.Atoi(m[2])
			irqs, _ := strconv.Atoi(m[3])
			switch model {
			case "full":
				if progress == 0 || irqs == 0 {
					t.Errorf("preempt=full: progress %d, preemptions %d; the spinner was not preempted", progress, irqs)
				}
			default:
				if progress != 0 || irqs != 0 {
					t.Errorf("preempt=%s: progress %d, preemptions %d during a spin that nothing may preempt", model, progress, irqs)
				}
			}
		})
	}
}
