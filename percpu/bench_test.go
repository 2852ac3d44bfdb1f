package percpu_test

import (
	"sync/atomic"
	"testing"

	"gopreempt/kernel"
	"gopreempt/percpu"
)

// Four ways to count events, from the cheapest to the most contended:
// run with `make bench` (1 CPU) and `make bench SMP=4`. The results table
// is in docs/percpu.md.

func BenchmarkThisCPUInc(b *testing.B) {
	c := percpu.DefineCounter()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			percpu.ThisCPUInc(c)
		}
	})
}

func BenchmarkGetPutCPUVar(b *testing.B) {
	c := percpu.DefineCounter()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p := kernel.GetCPUVar(c)
			*p++
			kernel.PutCPUVar(c)
		}
	})
}

// BenchmarkGetPutCPU is get_cpu()/put_cpu() around the same increment:
// the preempt_disable()/preempt_enable() pair and the CPU number, to set
// against this_cpu_inc's one instruction.
func BenchmarkGetPutCPU(b *testing.B) {
	c := percpu.DefineCounter()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			cpu := kernel.GetCPU()
			*percpu.PerCPU(c, cpu)++
			kernel.PutCPU()
		}
	})
}

func BenchmarkAtomicSharedCounter(b *testing.B) {
	var c atomic.Uint64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Add(1)
		}
	})
}

func BenchmarkSpinlockCounter(b *testing.B) {
	l := kernel.NewSpinLock("bench")
	var c uint64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Lock()
			c++
			l.Unlock()
		}
	})
}
