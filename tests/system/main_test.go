package system

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// What TestMain sets up for every test: the module root (where go build
// runs), a scratch directory for the binaries, and qemurun built in it.
// qemurun stays empty when QEMU is missing, and needQEMU skips.
var (
	moduleRoot string
	binDir     string
	qemurun    string
)

func TestMain(m *testing.M) {
	os.Exit(setUpAndRun(m))
}

func setUpAndRun(m *testing.M) int {
	root, err := findModuleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "system tests:", err)
		return 1
	}
	moduleRoot = root
	dir, err := os.MkdirTemp("", "gopreempt-system-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "system tests:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = dir

	// Without QEMU there is nothing to boot, so there is no point in
	// building the runner either; each test skips on its own.
	if _, err := exec.LookPath("qemu-system-x86_64"); err == nil {
		path := filepath.Join(dir, "qemurun")
		cmd := exec.Command("go", "build", "-o", path, "./cmd/qemurun")
		cmd.Dir = moduleRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "system tests: building qemurun: %v\n%s", err, out)
			return 1
		}
		qemurun = path
	}
	return m.Run()
}

// findModuleRoot asks the go command where go.mod is, so the tests work
// from any directory go test runs them in.
func findModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the gopreempt module")
	}
	return filepath.Dir(gomod), nil
}

// needQEMU skips the test when qemu-system-x86_64 is not installed.
func needQEMU(t *testing.T) {
	t.Helper()
	if qemurun == "" {
		t.Skip("qemu-system-x86_64 not on PATH")
	}
}
