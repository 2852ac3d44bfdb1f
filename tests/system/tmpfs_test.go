package system

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
)

// tmpfs.size= on the kernel command line limits the file system: a file
// grows until the limit, which counts every frame the file system holds
// (the root, /tmp, the file's inode and map pages), and the write that
// passes it fails with ENOSPC. Without the option, 64 MiB fit.
func TestTmpfsSizeOption(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	elf := buildKernel(t, "tmpfsfill")
	r := boot(t, elf, bootConfig{cmdline: "tmpfs.size=256k"})
	r.wantStatus(t, 0)
	m := regexp.MustCompile(`wrote (\d+) KiB, then: (.*) \(ENOSPC true\)`).FindStringSubmatch(r.output)
	if m == nil {
		t.Fatalf("no ENOSPC report in the output:\n%s", r.output)
	}
	// 64 frames, of which the root, /tmp and the file's inode take three.
	if kib, _ := strconv.Atoi(m[1]); kib < 200 || kib > 256 {
		t.Errorf("with tmpfs.size=256k the file took %d KiB, want 200..256", kib)
	}

	r = boot(t, elf, bootConfig{})
	r.wantStatus(t, 0)
	r.wantOutput(t, fmt.Sprintf("wrote %d KiB without an error", 64<<10))
}
