package percpu_test

import (
	"sync"
	"testing"

	"gopreempt/arch/amd64"
	"gopreempt/kernel"
	"gopreempt/percpu"
)

func TestPerCPUInstancesAreSeparate(t *testing.T) {
	v := percpu.Define[[4]uint64]()
	for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
		percpu.PerCPU(v, cpu)[0] = uint64(cpu + 100)
	}
	for cpu := 0; cpu < kernel.OnlineCPUs(); cpu++ {
		if got := percpu.PerCPU(v, cpu)[0]; got != uint64(cpu+100) {
			t.Errorf("cpu %d instance = %d", cpu, got)
		}
	}
	c := percpu.DefineCounter()
	cpu := kernel.GetCPU()
	percpu.ThisCPUAdd(c, 5)
	percpu.ThisCPUInc(c)
	if got := percpu.ThisCPURead(c); got != 6 || *percpu.PerCPU(c, cpu) != 6 {
		t.Errorf("this_cpu ops: read %d, per_cpu %d, want 6", got, *percpu.PerCPU(c, cpu))
	}
	kernel.PutCPU()
}

func TestDefineRejectsPointers(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("Define of a pointer type did not panic")
		}
	}()
	percpu.Define[*int]()
}

// DEBUG_PREEMPT: smp_processor_id() is reported in preemptible code on
// an SMP machine, and not under get_cpu() or with preemption disabled.
func TestSmpProcessorIDCheck(t *testing.T) {
	k := kernel.KthreadRun("cpuid", func(k *kernel.Kthread) {
		n := kernel.ExpectBugs(kernel.BugSmpProcessorID, func() { kernel.SmpProcessorID() })
		want := uint64(1)
		if kernel.OnlineCPUs() == 1 {
			want = 0 // one CPU: the number cannot go stale
		}
		if n != want {
			t.Errorf("smp_processor_id() in preemptible code with %d CPUs: %d reports, want %d", kernel.OnlineCPUs(), n, want)
		}
		n = kernel.ExpectBugs(kernel.BugSmpProcessorID, func() {
			kernel.GetCPU()
			kernel.SmpProcessorID()
			kernel.PutCPU()
			kernel.PreemptDisable()
			kernel.SmpProcessorID()
			kernel.PreemptEnable()
		})
		if n != 0 {
			t.Errorf("smp_processor_id() with preemption disabled reported %d times", n)
		}
	})
	<-k.Done()
}

// The per-CPU counter lesson (seed texts 001 and 002): many kthreads
// increment per-CPU counters across preemptions. get_cpu_var/put_cpu_var
// and this_cpu_inc never lose an update; the unprotected
// read-smp_processor_id, load, add, store sequence does.
func TestPerCPUCountersUnderPreemption(t *testing.T) {
	unsafeC := percpu.DefineCounter()
	getput := percpu.DefineCounter()
	thiscpu := percpu.DefineCounter()
	const workers, rounds = 6, 3000
	window := uint64(20e-6 * float64(kernel.TSCFrequency())) // spun inline: no Go preemption point
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		// nice 19: 5 ms time slices, so preemptions are frequent.
		k := kernel.KthreadRunNice("pcpu", 19, func(k *kernel.Kthread) {
			defer wg.Done()
			for j := 0; j < rounds; j++ {
				// (a) unprotected: the task may be preempted (and moved)
				// between the load and the store.
				p := percpu.PerCPU(unsafeC, percpu.RawSmpProcessorID())
				v := *p
				for t0 := amd64.Rdtsc(); amd64.Rdtsc()-t0 < window; {
				}
				*p = v + 1
				// (b) get_cpu_var / put_cpu_var
				q := kernel.GetCPUVar(getput)
				w := *q
				for t0 := amd64.Rdtsc(); amd64.Rdtsc()-t0 < window; {
				}
				*q = w + 1
				kernel.PutCPUVar(getput)
				// (c) this_cpu_inc
				percpu.ThisCPUInc(thiscpu)
			}
		})
		_ = k
	}
	wg.Wait()
	want := uint64(workers * rounds)
	if got := percpu.Sum(getput); got != want {
		t.Errorf("get_cpu_var/put_cpu_var counted %d, want exactly %d", got, want)
	}
	if got := percpu.Sum(thiscpu); got != want {
		t.Errorf("this_cpu_inc counted %d, want exactly %d", got, want)
	}
	t.Logf("unprotected per-CPU updates: %d of %d counted (%d lost)", percpu.Sum(unsafeC), want, want-percpu.Sum(unsafeC))
}

// this_cpu_ptr reaches, through GS, the instance per_cpu names for this
// CPU's number, and Define's variables lie above the static blocks.
func TestThisCPUPtr(t *testing.T) {
	v := percpu.Define[[2]uint64]()
	if uintptr(v) < percpu.DynamicStart {
		t.Errorf("Define placed a variable at %#x, below DynamicStart %#x", uintptr(v), percpu.DynamicStart)
	}
	cpu := kernel.GetCPU()
	p, q := percpu.ThisCPUPtr(v), percpu.PerCPU(v, cpu)
	kernel.PutCPU()
	if p != q {
		t.Errorf("this_cpu_ptr %p, per_cpu on cpu %d %p", p, cpu, q)
	}
}
