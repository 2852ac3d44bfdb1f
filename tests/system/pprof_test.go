package system

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"gopreempt/internal/pprofconsole"
)

// A CPU profile made in the kernel reaches the host through the console
// (testdata/pprof, internal/pprofconsole), parses, holds samples of the
// busy function, and go tool pprof opens it.
func TestCPUProfileToHost(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	for _, smp := range []string{"1", "4"} {
		t.Run("smp"+smp, func(t *testing.T) {
			t.Parallel()
			r := boot(t, buildKernel(t, "pprof"), bootConfig{smp: smp, timeout: "180s"})
			r.wantStatus(t, 0)
			r.wantOutput(t, "profile written: ")
			files, err := pprofconsole.Extract(strings.NewReader(r.output))
			if err != nil || len(files) != 1 {
				t.Fatalf("%d files taken from the console: %v", len(files), err)
			}
			p, err := profile.Parse(bytes.NewReader(files[0].Data))
			if err != nil {
				t.Fatalf("parsing the profile: %v", err)
			}
			var busy, total int64
			for _, s := range p.Sample {
				total += s.Value[0]
				for _, loc := range s.Location {
					for _, l := range loc.Line {
						if l.Function != nil && l.Function.Name == "main.busyLoop" {
							busy += s.Value[0]
						}
					}
				}
			}
			if busy == 0 {
				t.Fatalf("no sample of main.busyLoop among %d", total)
			}
			path := filepath.Join(t.TempDir(), files[0].Name)
			if err := os.WriteFile(path, files[0].Data, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("go", "tool", "pprof", "-top", path).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "main.busyLoop") {
				t.Fatalf("go tool pprof -top: %v\n%s", err, out)
			}
			t.Logf("%d of %d samples in main.busyLoop", busy, total)
		})
	}
}
