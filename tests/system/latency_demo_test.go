package system

import (
	"regexp"
	"testing"
)

// The latency demo (demo=latency, cmd/gopreempt/latency_demo.go) ends by
// itself and prints its three models, alone and next to the hog, the
// histogram and the worst wake-ups. Its figures are wall time and are
// not judged here; the mechanism behind them is tested in the kernel
// (TestWakeupPreemptsHogUnderFull, TestWakeupWaitsForHogUnderNone).
func TestDemoLatency(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	r := boot(t, buildKernel(t, "cmd/gopreempt"), bootConfig{
		cmdline: "loglevel=6 demo=latency",
		timeout: "240s",
	})
	r.wantStatus(t, 0)
	r.wantOutput(t,
		"=== part 3: wake-up latency against a kernel hog ===",
		"none, 100 ms hog",
		"voluntary, 100 ms hog",
		"full, 100 ms hog",
		"thread latency next to the hog:",
		"demo finished",
	)
	if !regexp.MustCompile(`worst wake-up next to the hog: none \S+, full \S+ \(\d+x\)`).MatchString(r.output) {
		t.Errorf("no line with the worst wake-ups")
	}
}
