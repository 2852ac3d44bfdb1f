package amd64

import (
	"testing"
	"unsafe"
)

// The assembly in entry_amd64.s reaches these fields by fixed offsets
// (CPU_*, TC_*, TF_*). If a field moves, the entry code would read the
// wrong word; this test catches it on the host.
func TestAssemblyOffsets(t *testing.T) {
	var c CPULocal
	var tc TaskContext
	var f TrapFrame
	for _, o := range []struct {
		name      string
		got, want uintptr
	}{
		{"CPU_CURRENT", unsafe.Offsetof(c.Current), 8},
		{"CPU_SCRATCH", unsafe.Offsetof(c.Scratch), 16},
		{"CPULocal.ID", unsafe.Offsetof(c.ID), 24},
		{"TC_KSP", unsafe.Offsetof(tc.KSP), 0},
		{"TC_KSTACKLO", unsafe.Offsetof(tc.KStackLo), 8},
		{"TC_KSTACKHI", unsafe.Offsetof(tc.KStackHi), 16},
		{"TC_KERNELFS", unsafe.Offsetof(tc.KernelFS), 24},
		{"TC_FPU", unsafe.Offsetof(tc.FPU), 32},
		{"TF_FSBASE", unsafe.Offsetof(f.FSBase), 512},
		{"TF_GPRS (R15)", unsafe.Offsetof(f.R15), 528},
		{"TF RBP", unsafe.Offsetof(f.RBP), 592},
		{"TF_VECTOR", unsafe.Offsetof(f.Vector), 648},
		{"TF RIP", unsafe.Offsetof(f.RIP), 664},
		{"TrapFrameSize", unsafe.Sizeof(f), TrapFrameSize},
	} {
		if o.got != o.want {
			t.Errorf("%s: offset %d, the assembly assumes %d", o.name, o.got, o.want)
		}
	}
	if TrapFrameSize%16 != 0 {
		t.Errorf("TrapFrameSize %d is not a multiple of 16 (FXSAVE alignment)", TrapFrameSize)
	}
}

// The kernel g must mirror runtime.g's head: the compiler's stack check
// reads stackguard0 at 16(R14), and morestack reads g.m at 48.
func TestKernelGLayout(t *testing.T) {
	var g kernelG
	if unsafe.Offsetof(g.stackguard0) != 16 || unsafe.Offsetof(g.m) != 48 {
		t.Errorf("kernelG: stackguard0 at %d, m at %d; want 16 and 48", unsafe.Offsetof(g.stackguard0), unsafe.Offsetof(g.m))
	}
}
