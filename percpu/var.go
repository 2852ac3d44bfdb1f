package percpu

import (
	"fmt"
	"reflect"
	"sync"
	"unsafe"
)

// Var is a per-CPU variable of type T: the Go form of DEFINE_PER_CPU.
// It holds only the variable's offset in the per-CPU areas.
//
// T must not contain Go pointers: the areas are outside the Go heap, and
// the garbage collector does not look there.
type Var[T any] struct {
	off uintptr
}

var alloc struct {
	mu   sync.Mutex
	next uintptr
}

// Define allocates a per-CPU variable, zero on every CPU.
func Define[T any]() *Var[T] {
	var zero T
	t := reflect.TypeOf(zero)
	if hasPointers(t) {
		panic(fmt.Sprintf("percpu: %v contains pointers; per-CPU memory is not scanned by the garbage collector", t))
	}
	size, align := unsafe.Sizeof(zero), unsafe.Alignof(zero)
	if align < 8 {
		align = 8
	}
	alloc.mu.Lock()
	defer alloc.mu.Unlock()
	if alloc.next == 0 {
		alloc.next = varsStart
	}
	off := (alloc.next + align - 1) &^ (align - 1)
	if off+size > AreaSize {
		panic("percpu: per-CPU area full")
	}
	alloc.next = off + size
	return &Var[T]{off: off}
}

func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.String, reflect.Chan,
		reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// PerCPU returns CPU cpu's instance (per_cpu(v, cpu)). Reaching another
// CPU's copy is for reading totals or for code that knows that CPU is not
// using it.
func PerCPU[T any](v *Var[T], cpu int) *T {
	return (*T)(unsafe.Add(unsafe.Pointer(&areas[cpu].b[0]), v.off))
}

// Counter is a per-CPU uint64 with the this_cpu operations.
type Counter = Var[uint64]

// DefineCounter allocates a per-CPU counter.
func DefineCounter() *Counter { return Define[uint64]() }

// ThisCPUInc adds one to this CPU's instance in a single GS-relative
// instruction (this_cpu_inc). An interrupt, and so a preemption, can only
// come before or after an instruction, never in the middle of it, and the
// instruction reaches whichever CPU it runs on: it needs neither
// preemption nor interrupts disabled. (It is not atomic with respect to
// other CPUs, and needs not be: they do not touch this instance.)
func ThisCPUInc(c *Counter) { thisCPUAdd(c.off, 1) }

// ThisCPUAdd adds n to this CPU's instance (this_cpu_add).
func ThisCPUAdd(c *Counter, n uint64) { thisCPUAdd(c.off, n) }

// ThisCPURead reads this CPU's instance (this_cpu_read).
func ThisCPURead(c *Counter) uint64 { return thisCPURead(c.off) }

// Sum adds the instances of every CPU there can be
// (for_each_possible_cpu): a CPU that never came online has a zero one.
func Sum(c *Counter) uint64 {
	var s uint64
	for cpu := 0; cpu < MaxCPUs; cpu++ {
		s += *PerCPU(c, cpu)
	}
	return s
}

func thisCPUAdd(off uintptr, n uint64)
func thisCPURead(off uintptr) uint64
