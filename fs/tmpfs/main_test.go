package tmpfs_test

import (
	"testing"

	"gopreempt/internal/ktest"
)

// The tests of this package are kernel-mode tests: they run inside the
// kernel, through the os package and raw system calls, on the tmpfs.
func TestMain(m *testing.M) { ktest.Main(m) }
