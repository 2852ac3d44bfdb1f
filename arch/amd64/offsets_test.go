package amd64

import (
	"go/build"
	"go/importer"
	"go/token"
	"go/types"
	"runtime"
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
		{"TF_FPUPARTIAL", unsafe.Offsetof(f.FPUPartial), 520},
		{"TF_GPRS (R15)", unsafe.Offsetof(f.R15), 528},
		{"TF RBP", unsafe.Offsetof(f.RBP), 592},
		{"TF_VECTOR", unsafe.Offsetof(f.Vector), 648},
		{"TF_ERRCODE", unsafe.Offsetof(f.ErrorCode), 656},
		{"KernelFS is the stand-in g", unsafe.Offsetof(KernelContext{}.g), 8},
		{"G_STACKLO", unsafe.Offsetof(kernelG{}.stackLo), 0},
		{"G_STACKGUARD0", unsafe.Offsetof(kernelG{}.stackguard0), 16},
		{"STACK_GUARD", StackGuard, 4096},
		{"VEC_SYSCALL_FROM_KERNEL", VecSyscallFromKernel, 0x101},
		{"VEC_STANDIN_OVERWRITTEN", VecStandInOverwritten, 0x102},
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

// The stand-in g and m must put their fields where kernel_g.go's offsets
// say runtime.g and runtime.m have them.
func TestKernelGLayout(t *testing.T) {
	var g kernelG
	var m kernelM
	for _, o := range []struct {
		name      string
		got, want uintptr
	}{
		{"kernelG.stackLo", unsafe.Offsetof(g.stackLo), GStackLo},
		{"kernelG.stackHi", unsafe.Offsetof(g.stackHi), GStackHi},
		{"kernelG.stackguard0", unsafe.Offsetof(g.stackguard0), GStackguard0},
		{"kernelG.stackguard1", unsafe.Offsetof(g.stackguard1), GStackguard1},
		{"kernelG.m", unsafe.Offsetof(g.m), GM},
		{"kernelM.g0", unsafe.Offsetof(m.g0), MG0},
		{"kernelM.locks", unsafe.Offsetof(m.locks), MLocks},
	} {
		if o.got != o.want {
			t.Errorf("%s at offset %d, want %d", o.name, o.got, o.want)
		}
	}
}

// The offsets in kernel_g.go must be those of the runtime that this Go
// builds, or compiled code run in kernel context would read its stack
// guard, or the task report a goroutine's stack, from the wrong word. The
// test type-checks the runtime's own source, as the compiler for
// linux/amd64 lays it out, and compares.
func TestRuntimeGLayout(t *testing.T) {
	ctxt := build.Default
	ctxt.GOOS, ctxt.GOARCH, ctxt.CgoEnabled = "linux", "amd64", false
	build.Default = ctxt
	fset := token.NewFileSet()
	pkg, err := importer.ForCompiler(fset, "source", nil).Import("runtime")
	if err != nil {
		t.Fatalf("type-checking the runtime of %s in %s: %v", runtime.Version(), ctxt.GOROOT, err)
	}
	sizes := types.SizesFor("gc", "amd64")
	// layout returns the offsets of a runtime struct's fields by name
	// (a nested struct's as "outer.inner") and its size.
	layout := func(name string) (map[string]int64, int64) {
		obj := pkg.Scope().Lookup(name)
		if obj == nil {
			t.Fatalf("%s: the runtime has no type %s", runtime.Version(), name)
		}
		st := obj.Type().Underlying().(*types.Struct)
		offs := map[string]int64{}
		var fields []*types.Var
		for i := 0; i < st.NumFields(); i++ {
			fields = append(fields, st.Field(i))
		}
		for i, o := range sizes.Offsetsof(fields) {
			offs[fields[i].Name()] = o
			if in, ok := fields[i].Type().Underlying().(*types.Struct); ok {
				var sub []*types.Var
				for j := 0; j < in.NumFields(); j++ {
					sub = append(sub, in.Field(j))
				}
				for j, so := range sizes.Offsetsof(sub) {
					offs[fields[i].Name()+"."+sub[j].Name()] = o + so
				}
			}
		}
		return offs, sizes.Sizeof(st)
	}
	gOffs, gSize := layout("g")
	mOffs, mSize := layout("m")
	for _, o := range []struct {
		field string
		offs  map[string]int64
		ours  int64
	}{
		{"g.stack.lo", gOffs, GStackLo},
		{"g.stack.hi", gOffs, GStackHi},
		{"g.stackguard0", gOffs, GStackguard0},
		{"g.stackguard1", gOffs, GStackguard1},
		{"g.m", gOffs, GM},
		{"m.g0", mOffs, MG0},
		{"m.locks", mOffs, MLocks},
	} {
		got, ok := o.offs[o.field[2:]]
		switch {
		case !ok:
			t.Errorf("%s has no field runtime.%s: kernel_g.go's layout and the stand-in g need updating", runtime.Version(), o.field)
		case got != o.ours:
			t.Errorf("%s has runtime.%s at offset %d; kernel_g.go says %d: update its constants and the stand-in g", runtime.Version(), o.field, got, o.ours)
		}
	}
	if ours := int64(unsafe.Sizeof(kernelG{})); gSize > ours {
		t.Errorf("%s: runtime.g is %d bytes, larger than the stand-in kernelG (%d): grow its padding", runtime.Version(), gSize, ours)
	}
	if ours := int64(unsafe.Sizeof(kernelM{})); mSize > ours {
		t.Errorf("%s: runtime.m is %d bytes, larger than the stand-in kernelM (%d): grow its padding", runtime.Version(), mSize, ours)
	}
}
