package kernel

import (
	"reflect"
	"testing"

	"gopreempt/percpu"
)

// The kernel's per-CPU block lives outside the Go heap, where the
// garbage collector does not look: it must hold no Go pointers.
func TestPerCPUBlockHasNoPointers(t *testing.T) {
	if percpu.HasPointers(reflect.TypeOf(kernelPerCPU{})) {
		t.Errorf("kernelPerCPU holds Go pointers; per-CPU memory is not scanned by the garbage collector")
	}
}

// This CPU's run queue, reached through GS, is the one per_cpu names for
// this CPU's number, and knows its CPU.
func TestThisRQIsPerCPU(t *testing.T) {
	cpu := GetCPU()
	this, named := thisRQ(), cpuRQ(cpu)
	rqCPU := this.cpu
	PutCPU()
	if this != named || rqCPU != cpu {
		t.Errorf("this_rq %p (cpu %d), per_cpu(runqueues, %d) %p", this, rqCPU, cpu, named)
	}
}
