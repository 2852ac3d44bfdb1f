package percpu

import (
	"fmt"
	"reflect"
	"sync"
	"unsafe"

	"gopreempt/internal/addr"
)

// Var is a per-CPU variable of type T, the Go form of DEFINE_PER_CPU: the
// variable's offset, the same in every CPU's area. It is a plain number,
// so that a variable can be a constant (static.go).
//
// T must not contain Go pointers: the areas are outside the Go heap, and
// the garbage collector does not look there.
type Var[T any] uintptr

var alloc struct {
	mu   sync.Mutex
	next uintptr
}

// Define allocates a per-CPU variable at run time, zero on every CPU
// (alloc_percpu): for the per-CPU counter demo and tests. The kernel's
// own per-CPU state is static (static.go), since it is in use before the
// Go runtime runs package initialisers. Define checks that T holds no
// pointers, and allocates above the static blocks.
func Define[T any]() Var[T] {
	var zero T
	t := reflect.TypeOf(zero)
	if HasPointers(t) {
		panic(fmt.Sprintf("percpu: %v contains pointers; per-CPU memory is not scanned by the garbage collector", t))
	}
	size, align := unsafe.Sizeof(zero), unsafe.Alignof(zero)
	if align < 8 {
		align = 8
	}
	alloc.mu.Lock()
	defer alloc.mu.Unlock()
	if alloc.next == 0 {
		alloc.next = DynamicStart
	}
	off := (alloc.next + align - 1) &^ (align - 1)
	if off+size > AreaSize {
		panic("percpu: per-CPU area full")
	}
	alloc.next = off + size
	return Var[T](off)
}

// HasPointers reports whether values of type t hold Go pointers, which a
// per-CPU variable must not. Define asks it; the tests of the static
// per-CPU blocks (kernel, fpu) ask it of their block types.
func HasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.String, reflect.Chan,
		reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return t.Len() > 0 && HasPointers(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if HasPointers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// PerCPU returns CPU cpu's instance (per_cpu(v, cpu), per_cpu_ptr).
// Reaching another CPU's copy is for reading totals, for data with its own
// lock (a run queue), or for code that knows that CPU is not using it.
// Any context.
//
//go:nosplit
func PerCPU[T any](v Var[T], cpu int) *T {
	return (*T)(unsafe.Add(unsafe.Pointer(&areas[cpu].b[0]), uintptr(v)))
}

// ThisCPUPtr returns the calling CPU's instance (this_cpu_ptr): the CPU's
// area, from GS, plus the offset. The pointer is this CPU's only while
// the caller cannot migrate (interrupts or preemption off). Any context.
//
//go:nosplit
func ThisCPUPtr[T any](v Var[T]) *T { return (*T)(addr.Ptr(thisCPUArea() + uintptr(v))) }

// Counter is a per-CPU uint64 with the this_cpu operations.
type Counter = Var[uint64]

// DefineCounter allocates a per-CPU counter.
func DefineCounter() Counter { return Define[uint64]() }

// ThisCPUInc adds one to this CPU's instance in a single GS-relative
// instruction (this_cpu_inc). An interrupt, and so a preemption, can only
// come before or after an instruction, never in the middle of it, and the
// instruction reaches whichever CPU it runs on: it needs neither
// preemption nor interrupts disabled. (It is not atomic with respect to
// other CPUs, and needs not be: they do not touch this instance.)
func ThisCPUInc(c Counter) { thisCPUAdd(uintptr(c), 1) }

// ThisCPUAdd adds n to this CPU's instance (this_cpu_add).
// Part of the this_cpu API taught; tests use it.
func ThisCPUAdd(c Counter, n uint64) { thisCPUAdd(uintptr(c), n) }

// ThisCPURead reads this CPU's instance (this_cpu_read).
// Part of the this_cpu API taught; tests use it.
func ThisCPURead(c Counter) uint64 { return thisCPURead(uintptr(c)) }

// Sum adds the instances of every CPU there can be
// (for_each_possible_cpu): a CPU that never came online has a zero one.
func Sum(c Counter) uint64 {
	var s uint64
	for cpu := 0; cpu < MaxCPUs; cpu++ {
		s += *PerCPU(c, cpu)
	}
	return s
}

func thisCPUAdd(off uintptr, n uint64)
func thisCPURead(off uintptr) uint64

// thisCPUArea returns the calling CPU's area: CPULocal.Self, at GS:0.
func thisCPUArea() uintptr
