package kernel_test

import (
	"sync/atomic"
	"testing"
	"time"

	"gopreempt/internal/ktest"
	"gopreempt/kernel"
)

// TestResumedTaskGetsInterruptsOn checks the rule that schedule() returns
// with interrupts on in the task it resumes, whatever the state of the
// task that called it (Linux's finish_task_switch ends with
// raw_spin_rq_unlock_irq). When finishSwitch put back the RFLAGS the
// switching task had entered schedule() with, a task that entered it
// with interrupts off (a bug, reported and survived) left the task it
// resumed running kernel code with them off: its next might_sleep() was
// reported as that innocent task's bug.
//
// A culprit enters schedule() with interrupts off (the reported bug) once
// the tick has asked it to make way for a victim on the same CPU. The
// victim, preempted at a cond_resched()-like point (preempt=none, so that
// no interrupt return preempts it instead), notes in kernel context, as
// soon as schedule() returns, whether interrupts are on and which task
// resumed it.
func TestResumedTaskGetsInterruptsOn(t *testing.T) {
	const rounds = 5
	cpu := kernel.OnlineCPUs() - 1
	var culprit atomic.Pointer[kernel.Task]
	var byCulprit, offByCulprit, offOther atomic.Int32
	ktest.WithModel(kernel.PreemptNone, func() {
		victim := kernel.KthreadRun("victim", func(k *kernel.Kthread) {
			defer blockPreemptSignal()()
			k.Bind(cpu)
			for !k.ShouldStop() {
				if !kernel.NeedResched() {
					continue
				}
				switched, off, fromCulprit := kernel.PreemptNotingResume(culprit.Load())
				switch {
				case !switched:
				case fromCulprit && off:
					offByCulprit.Add(1)
					byCulprit.Add(1)
				case fromCulprit:
					byCulprit.Add(1)
				case off:
					offOther.Add(1)
				}
			}
		})
		defer kernel.KthreadStop(victim)
		ktest.InKthread(t, "culprit", func(k *kernel.Kthread) {
			defer blockPreemptSignal()()
			k.Bind(cpu)
			culprit.Store(k.Task())
			deadline := time.Now().Add(counterWait)
			for byCulprit.Load() < rounds && time.Now().Before(deadline) {
				// The tick sets need_resched once the victim has
				// waited long enough: then schedule() picks it.
				for !kernel.NeedResched() && time.Now().Before(deadline) {
				}
				kernel.ExpectBugs(kernel.BugScheduleIRQsOff, func() {
					f := kernel.LocalIrqSave()
					kernel.ScheduleOnKernelStack()
					kernel.LocalIrqRestore(f)
				})
			}
		})
	})
	if byCulprit.Load() == 0 {
		t.Fatalf("precondition: the culprit's schedule() never resumed the victim within %v", counterWait)
	}
	if n := offByCulprit.Load(); n != 0 {
		t.Errorf("the victim was resumed with interrupts off %d times of %d by a schedule() entered with them off", n, byCulprit.Load())
	}
	if n := offOther.Load(); n != 0 {
		t.Errorf("the victim was resumed with interrupts off %d times by other tasks", n)
	}
	t.Logf("the culprit's schedule() resumed the victim %d times", byCulprit.Load())
}
