package system

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Building a test program into a kernel image.
//
// Every program is linked as the Makefile links the kernel: for
// linux/amd64 without cgo (the stock runtime runs on the kernel's Linux
// system calls), entered at the Multiboot entry point, loaded at 4 MiB.
var kernelEnv = []string{"GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0"}

const kernelLDFlags = "-E=gopreempt/boot.entry32 -T=0x400000"

// Several tests boot the same program: it is built once, the first time
// one asks for it, and the result (or the failure) is shared.
var kernels struct {
	sync.Mutex
	m map[string]*builtKernel
}

type builtKernel struct {
	once sync.Once
	path string
	out  []byte
	err  error
}

// buildKernel returns the ELF built from testdata/name (or from the
// module's package ./name, when name has a slash: "cmd/gopreempt"),
// failing the test if it does not build.
func buildKernel(t *testing.T, name string) string {
	t.Helper()
	kernels.Lock()
	if kernels.m == nil {
		kernels.m = make(map[string]*builtKernel)
	}
	k := kernels.m[name]
	if k == nil {
		k = new(builtKernel)
		kernels.m[name] = k
	}
	kernels.Unlock()

	k.once.Do(func() {
		pkg := "./tests/system/testdata/" + name
		if strings.Contains(name, "/") {
			pkg = "./" + name
		}
		k.path = filepath.Join(binDir, strings.ReplaceAll(name, "/", "_")+".elf")
		cmd := exec.Command("go", "build", "-ldflags="+kernelLDFlags, "-o", k.path, pkg)
		cmd.Dir = moduleRoot
		cmd.Env = append(os.Environ(), kernelEnv...)
		k.out, k.err = cmd.CombinedOutput()
	})
	if k.err != nil {
		t.Fatalf("building %s: %v\n%s", name, k.err, k.out)
	}
	return k.path
}
