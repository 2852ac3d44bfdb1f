package mm_test

// Kernel-mode tests of page protection (mm/protect.go): they walk the
// live page tables and read the control registers of every CPU. Run on
// four CPUs (make kerneltest-smp), TestProtectionOnEveryCPU covers the APs
// that came up through the trampoline.

import (
	"fmt"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/kernel"
	"gopreempt/mm"
	"gopreempt/percpu"
)

// perm describes an entry as the tests compare it.
type perm struct{ present, writable, exec bool }

func (p perm) String() string {
	if !p.present {
		return "not present"
	}
	s := "read-only"
	if p.writable {
		s = "writable"
	}
	if p.exec {
		return s + ", executable"
	}
	return s + ", NX"
}

func permOf(va uintptr) (perm, uint64) {
	pte, size, ok := mm.LookupAddress(va)
	if !ok {
		return perm{}, 0
	}
	return perm{true, pte&mm.PTE_W != 0, pte&mm.PTE_NX == 0}, size
}

// wantPages checks every 4 KiB page of [lo, hi) and reports the first
// few that differ from want.
func wantPages(t *testing.T, what string, lo, hi uintptr, want perm) {
	t.Helper()
	if lo >= hi {
		t.Fatalf("%s: empty range [%#x, %#x)", what, lo, hi)
	}
	bad := 0
	for va := lo; va < hi; va += mm.PageSize {
		if got, _ := permOf(va); got != want {
			if bad++; bad <= 5 {
				t.Errorf("%s: page %#x is %v, want %v", what, va, got, want)
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d pages in all are wrong", what, bad)
	}
}

var (
	readOnlyExec = perm{present: true, exec: true}
	readOnlyNX   = perm{present: true}
	writableNX   = perm{present: true, writable: true}
)

func TestNothingMappedBelowMmapMinAddr(t *testing.T) {
	wantPages(t, "low memory", 0, mm.MmapMinAddr, perm{})
	// The same memory is there through the alias, where the BIOS data
	// area holds, for example, the EBDA's segment that ACPI reads.
	wantPages(t, "low-memory alias", mm.LowMemAlias, mm.LowMemAlias+mm.LowMemSize, writableNX)
	if got, _ := permOf(mm.MmapMinAddr); got != writableNX {
		t.Errorf("the first page above the hole, %#x, is %v, want %v", mm.MmapMinAddr, got, writableNX)
	}
}

// The page ranges come from the image's program headers; each must hold
// what the compiler put in that segment.
func TestKernelImageLayout(t *testing.T) {
	img, why := mm.Image()
	if why != "" {
		t.Fatalf("mm.Image: %s", why)
	}
	t.Logf("text %#x-%#x, rodata %#x, data %#x, end %#x", img.Text, img.Etext, img.Rodata, img.Data, img.End)
	in := func(what string, a uintptr, lo, hi uintptr) {
		if a < lo || a >= hi {
			t.Errorf("%s at %#x is outside [%#x, %#x)", what, a, lo, hi)
		}
	}
	lo, hi := img.TextPages()
	in("the code of TestKernelImageLayout", reflect.ValueOf(TestKernelImageLayout).Pointer(), lo, hi)
	lo, hi = img.RodataPages()
	in("a string constant", uintptr(unsafe.Pointer(unsafe.StringData(constant))), lo, hi)
	lo, hi = img.DataPages()
	in("a variable", uintptr(unsafe.Pointer(&variable)), lo, hi)
	in("CPU 0's per-CPU area", uintptr(unsafe.Pointer(percpu.CPULocal(0))), lo, hi)
}

const constant = "a string constant, in rodata"

var variable = 1

func TestKernelTextReadOnly(t *testing.T) {
	img, _ := mm.Image()
	lo, hi := img.TextPages()
	wantPages(t, "text", lo, hi, readOnlyExec)
	if _, size := permOf(lo); size != mm.PageSize {
		t.Errorf("text is mapped with %d-byte pages, want 4 KiB ones", size)
	}
}

func TestKernelRodataReadOnly(t *testing.T) {
	img, _ := mm.Image()
	lo, hi := img.RodataPages()
	wantPages(t, "rodata", lo, hi, readOnlyNX)
}

func TestKernelDataNX(t *testing.T) {
	img, _ := mm.Image()
	lo, hi := img.DataPages()
	wantPages(t, "data and bss", lo, hi, writableNX)
}

// Everything the kernel and the runtime write is NX: the Go heap, a
// goroutine's stack, the current task's struct and kernel stack, a frame
// from the allocator, the local APIC's registers.
func TestWrittenMemoryNX(t *testing.T) {
	heap := new([256]byte)
	var onStack int
	task := kernel.Current()
	frame := mm.AllocFrame()
	if frame == 0 {
		t.Fatal("no frame")
	}
	defer mm.FreeFrame(frame)
	for _, c := range []struct {
		what string
		va   uintptr
	}{
		{"the Go heap", uintptr(unsafe.Pointer(heap))},
		{"a goroutine stack", uintptr(unsafe.Pointer(&onStack))},
		{"a task struct", uintptr(unsafe.Pointer(task))},
		{"a kernel stack", task.KStackHi - mm.PageSize},
		{"a free frame", uintptr(frame)},
		{"the local APIC", 0xfee00000},
	} {
		if got, _ := permOf(c.va); got != writableNX {
			t.Errorf("%s (%#x) is %v, want %v", c.what, c.va, got, writableNX)
		}
	}
}

// CR0.WP (else ring 0 ignores read-only entries) and EFER.NXE (else the
// NX bit is reserved) on every CPU, read there by a kthread bound to it;
// and every CPU runs on the kernel's page tables, the APs having left the
// trampoline's (mm/trampoline_pgd.go), which map the page at 0x8000.
func TestProtectionOnEveryCPU(t *testing.T) {
	if _, _, _, d := amd64.Cpuid(0x80000001, 0); d&(1<<20) == 0 {
		t.Fatal("the CPU has no NX (CPUID 0x80000001 EDX bit 20); QEMU's CPU models have it")
	}
	n := kernel.OnlineCPUs()
	for cpu := 0; cpu < n; cpu++ {
		res := make(chan string, 1)
		k := kernel.KthreadRun(fmt.Sprint("wp", cpu), func(k *kernel.Kthread) {
			k.Bind(cpu)
			kernel.PreemptDisable()
			on := kernel.SmpProcessorID()
			cr0, efer, cr3 := amd64.ReadCR0(), amd64.Rdmsr(amd64.MSR_EFER), amd64.ReadCR3()
			kernel.PreemptEnable()
			res <- fmt.Sprintf("cpu%d: CR0.WP=%v EFER.NXE=%v CR3=%#x", on,
				cr0&amd64.CR0_WP != 0, efer&amd64.EFER_NXE != 0, cr3&^0xfff)
		})
		select {
		case <-k.Done():
		case <-time.After(60 * time.Second):
			t.Fatalf("the kthread bound to CPU %d did not finish", cpu)
		}
		want := fmt.Sprintf("cpu%d: CR0.WP=true EFER.NXE=true CR3=%#x", cpu, mm.BootPML4)
		if got := <-res; got != want {
			t.Errorf("%s, want %s", got, want)
		}
	}
	t.Logf("checked %d CPUs", n)
}
