package system

import (
	"regexp"
	"testing"
)

// A kernel that stops making progress is reported by the stall detector
// (kernel/stall.go) with the finding and the scheduler's state, and under
// panic=exit the run ends with the BUG status instead of hanging until an
// outer timeout. testdata/stall provokes each kind the detector knows
// how to find; the finding must name the stuck CPU, which must then show
// the spinning function, and a CPU that has interrupts off answers the
// report only through an NMI. An idle machine, whose tasks sleep in the
// kernel without a timeout (here: a read of the console), is not a stall,
// and the run ends as the program decides.
func TestStallDetector(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	report := []string{
		"  cpu0: last tick",
		"  cpu1: last tick",
		"---[ end of stall report ]---",
	}
	every := regexp.MustCompile(`(?m)^  pid 1 \S+ state [RSDX] cpu \d`)
	for _, tc := range []struct {
		name, cmdline string
		finding       string // the report's first line; its group is the stuck CPU
		answer        string // what that CPU prints, after "  cpuN was running pid "
		want          []string
	}{
		{"spin", "panic=exit -- preemptoff",
			`INFO: kernel stall: soft lockup - cpu(\d) stuck with preemption off for \d+ s \[pid \d+ \S+\]; scheduler state:`,
			`\d+ at rip 0x[0-9a-f]+, backtrace:\r?\n  \[<0x[0-9a-f]{16}>\] main\.spinPreemptOff `,
			[]string{"  cpu0 was running pid"}},
		{"irqoff", "panic=exit -- irqoff",
			`INFO: kernel stall: hard lockup - cpu(\d) has taken no timer tick for \d+ s \(interrupts off\?\); scheduler state:`,
			`\d+ at rip 0x[0-9a-f]+, backtrace:\r?\n  \(with interrupts off: this came by NMI\)\r?\n  \[<0x[0-9a-f]{16}>\] main\.spinIRQOff `,
			nil},
		{"starve", "preempt=none panic=exit -- starve",
			`INFO: kernel stall: pid \d+ sleeper runnable on cpu(1) for \d+ s and not run; scheduler state:`,
			`\d+ at rip 0x[0-9a-f]+, backtrace:\r?\n  \[<0x[0-9a-f]{16}>\] main\.spinStarving `,
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := boot(t, buildKernel(t, "stall"), bootConfig{cmdline: tc.cmdline, smp: "2", timeout: "120s"})
			r.wantStatus(t, statusBug)
			r.wantOutput(t, append(report, tc.want...)...)
			if !every.MatchString(r.output) {
				t.Errorf("the report does not list pid 1 with its state; output:\n%s", r.output)
			}
			m := regexp.MustCompile(tc.finding).FindStringSubmatch(r.output)
			if m == nil {
				t.Fatalf("no finding matching %q; output:\n%s", tc.finding, r.output)
			}
			if !regexp.MustCompile(`  cpu` + m[1] + ` was running pid ` + tc.answer).MatchString(r.output) {
				t.Errorf("cpu%s, the stuck CPU, did not show its loop (%q); output:\n%s", m[1], tc.answer, r.output)
			}
		})
	}
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		r := boot(t, buildKernel(t, "stall"), bootConfig{cmdline: "panic=exit -- idle", smp: "2"})
		r.wantStatus(t, 0)
		r.wantOutput(t, "stall test: idle for 8 s with no stall report")
	})
}
