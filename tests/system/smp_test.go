package system

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
)

// SMP bring-up on machines of 2, 4 and 8 CPUs: the boot log names every
// AP, the Go runtime and the kernel agree on the count, and every CPU
// takes timer ticks at about HZ.
func TestSMPBringUp(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	summary := regexp.MustCompile(`smpinfo: numcpu=(\d+) online=(\d+) hz=(\d+)`)
	tick := regexp.MustCompile(`smpinfo: cpu(\d+) ticks=(\d+) in (\d+)ms`)
	for _, n := range []int{2, 4, 8} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			r := boot(t, buildKernel(t, "smpinfo"), bootConfig{smp: fmt.Sprint(n)})
			r.wantStatus(t, 0)
			want := []string{fmt.Sprintf("smp: %d CPUs online", n)}
			for cpu := 1; cpu < n; cpu++ {
				want = append(want, fmt.Sprintf("smp: CPU %d (APIC id %d) online", cpu, cpu))
			}
			r.wantOutput(t, want...)

			m := summary.FindStringSubmatch(r.output)
			if m == nil {
				t.Fatalf("no smpinfo summary; output:\n%s", r.output)
			}
			if m[1] != fmt.Sprint(n) || m[2] != fmt.Sprint(n) {
				t.Errorf("runtime.NumCPU() = %s, kernel.OnlineCPUs() = %s, want %d", m[1], m[2], n)
			}
			hz, _ := strconv.Atoi(m[3])
			seen := make(map[int]bool)
			for _, c := range tick.FindAllStringSubmatch(r.output, -1) {
				cpu, _ := strconv.Atoi(c[1])
				ticks, _ := strconv.Atoi(c[2])
				ms, _ := strconv.Atoi(c[3])
				seen[cpu] = true
				// Loose: emulated timers wobble, but a CPU whose timer
				// never started, or runs at another rate, is far off.
				expect := hz * ms / 1000
				if ticks < expect/3 || ticks > expect*3 {
					t.Errorf("cpu%d: %d ticks in %d ms, want about %d", cpu, ticks, ms, expect)
				}
			}
			if len(seen) != n {
				t.Errorf("tick counts for %d CPUs, want %d; output:\n%s", len(seen), n, r.output)
			}
		})
	}
}
