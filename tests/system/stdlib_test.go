package system

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Two of the standard library's own tests that depend on signals, run in
// a kernel-mode test binary: runtime/debug's TestPanicOnFault (a write to
// read-only memory must panic with the faulting address under
// SetPanicOnFault) and time's TestSleep (a Sleep interrupted by a SIGCHLD
// the program sends itself must still last its whole time). They are
// copied from GOROOT when the test runs, into a scratch package under
// testdata that is removed afterwards: never committed. What time's test
// takes from its package's internals is supplied as Linux has it.
func TestStdlibSignalTests(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	goroot := strings.TrimSpace(string(out))
	dir, err := os.MkdirTemp(filepath.Join(moduleRoot, "tests", "system", "testdata"), "stdlib-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })

	files := map[string]string{
		"main_test.go": "package stdlib_test\n\nimport (\n\t\"testing\"\n\n\t\"gopreempt/internal/ktest\"\n)\n\n" +
			"func TestMain(m *testing.M) { ktest.Main(m) }\n",
		"panic_test.go": "package stdlib_test\n\nimport (\n\t\"runtime\"\n\t\"runtime/debug\"\n\t\"syscall\"\n\t\"testing\"\n\t\"unsafe\"\n)\n\n" +
			copyFuncs(t, filepath.Join(goroot, "src/runtime/debug/panic_test.go"), "TestPanicOnFault"),
		"sleep_test.go": "package stdlib_test\n\nimport (\n\t\"runtime\"\n\t\"syscall\"\n\t\"testing\"\n\t. \"time\"\n)\n\n" +
			"// As time's internals have them on Linux (sys_unix.go, sleep_test.go).\n" +
			"var haveHighResSleep = true\n\nfunc Interrupt() { syscall.Kill(syscall.Getpid(), syscall.SIGCHLD) }\n\n" +
			copyFuncs(t, filepath.Join(goroot, "src/time/sleep_test.go"), "TestSleep", "adjustDelay"),
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(binDir, "stdlib.test")
	build := exec.Command("go", "test", "-c", "-ldflags="+kernelLDFlags, "-o", bin, "./"+filepath.Base(dir))
	build.Dir = filepath.Dir(dir)
	build.Env = append(os.Environ(), kernelEnv...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the copied tests: %v\n%s", err, out)
	}
	for _, smp := range []string{"1", "4"} {
		r := boot(t, bin, bootConfig{cmdline: "test.v", smp: smp})
		r.wantStatus(t, 0)
		r.wantOutput(t, "--- PASS: TestPanicOnFault", "--- PASS: TestSleep")
	}
}

// copyFuncs returns the source text of the named top-level functions of
// a Go file.
func copyFuncs(t *testing.T, path string, names ...string) string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, name := range names {
		found := false
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == name {
				b.Write(src[fset.Position(fd.Pos()).Offset:fset.Position(fd.End()).Offset])
				b.WriteString("\n\n")
				found = true
			}
		}
		if !found {
			t.Fatalf("%s has no function %s", path, name)
		}
	}
	return b.String()
}
