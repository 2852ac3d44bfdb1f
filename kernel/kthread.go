package kernel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Kernel threads.
//
// A kthread is Go code that runs on a task of its own for its whole life:
// a goroutine locked to its runtime thread (runtime.LockOSThread), whose
// thread is a kernel task made by clone. So "the current task" inside a
// kthread is always the same task, and the kernel's scheduler, not the Go
// scheduler, decides when it runs: it is preempted by the timer, sleeps in
// wait queues, has a nice value.
//
// One thing the Go runtime adds: Go code runs only on a thread that holds
// a P, and there are GOMAXPROCS of them. If there were fewer Ps than
// runnable kthreads, the runtime would serialize them, whatever the
// kernel's scheduler decided. So kthread_run raises GOMAXPROCS to leave
// one P per kthread plus one per CPU for everything else. And the
// runtime's own preemption of a goroutine (at a function prologue, when it
// has run for 10 ms) does not move a locked goroutine: it only parks the
// thread until the goroutine may run again.
type Kthread struct {
	name   string
	fn     func(k *Kthread)
	task   atomic.Pointer[Task]
	stop   atomic.Bool
	done   chan struct{}
	nice   int32
	exitPC uint32 // preempt_count found when fn returned
	final  TaskStats
}

var kthreads struct {
	mu    sync.Mutex
	count int
}

// KthreadRun creates and starts a kthread running fn (Linux's
// kthread_run). fn should return when k.ShouldStop() reports true.
func KthreadRun(name string, fn func(k *Kthread)) *Kthread {
	return KthreadRunNice(name, 0, fn)
}

// KthreadRunNice is KthreadRun with a nice value (-20..19).
func KthreadRunNice(name string, nice int, fn func(k *Kthread)) *Kthread {
	k := &Kthread{name: name, fn: fn, done: make(chan struct{}), nice: int32(nice)}
	kthreads.mu.Lock()
	kthreads.count++
	if want := kthreads.count + OnlineCPUs(); runtime.GOMAXPROCS(0) < want {
		runtime.GOMAXPROCS(want)
	}
	kthreads.mu.Unlock()
	started := make(chan struct{})
	go k.main(started)
	<-started
	return k
}

func (k *Kthread) main(started chan struct{}) {
	runtime.LockOSThread()
	// Never unlocked: when fn returns the goroutine exits still locked,
	// and the runtime ends its thread, so the task dies with the kthread.
	t := Current()
	// The thread may outlive the kthread (the runtime keeps its main
	// thread): remember what it was, to give it back.
	oldName, oldKind, oldNice := t.Name, t.kind, t.Nice
	t.SetName(k.name)
	t.kind = taskKthread
	SetNice(t, k.nice)
	// k keeps a reference on the task for as long as k itself is in use:
	// KthreadStop and Stats may look at the task after it has exited
	// (task_ref.go). The reference goes when the garbage collector finds
	// k unreachable.
	GetTaskStruct(t)
	runtime.AddCleanup(k, func(r taskRef) { PutTaskStruct(r.ptr()) }, refOf(t))
	k.task.Store(t)
	close(started)
	defer func() {
		k.exitPC = Current().ThreadInfo.PreemptCount
		k.final = t.Stats
		if k.exitPC&PREEMPT_MASK != 0 {
			ReportBug(BugUnbalancedKthreadExit, k.name)
			// Repair the count, so that the thread's exit does not
			// also report "scheduling while atomic".
			for Current().ThreadInfo.PreemptCount&PREEMPT_MASK != 0 {
				PreemptEnableNoResched()
			}
		}
		t.Name, t.kind = oldName, oldKind
		SetNice(t, oldNice)
		kthreads.mu.Lock()
		kthreads.count--
		kthreads.mu.Unlock()
		close(k.done)
	}()
	k.fn(k)
}

// Task returns the kthread's task. After the kthread has finished the task
// may have exited (TASK_DEAD); its struct stays readable while k is.
func (k *Kthread) Task() *Task { return k.task.Load() }

// Stats returns the kthread's scheduling statistics: live while it runs,
// as they were when it returned once it is done. For tests, which count
// what the scheduler did to a kthread.
func (k *Kthread) Stats() TaskStats {
	select {
	case <-k.done:
		return k.final
	default:
		return k.Task().Stats
	}
}

// ShouldStop reports whether KthreadStop has been called
// (kthread_should_stop). It is never inlined and calls a function, so it
// has a stack-check prologue (the compiler leaves it out of leaf
// functions): the point where the Go runtime can stop the goroutine for a
// garbage collection. Asynchronous preemption (SIGURG, docs/signals.md)
// stops a loop without such a point too, but not in a thread that blocks
// SIGURG or inside preempt_disable(), where no signal is delivered.
//
//go:noinline
func (k *Kthread) ShouldStop() bool {
	goPreemptPoint()
	return k.stop.Load()
}

//go:noinline
func goPreemptPoint() {}

// KthreadStop asks k to stop, wakes it if it sleeps, and waits until fn
// has returned (kthread_stop).
func KthreadStop(k *Kthread) {
	k.stop.Store(true)
	WakeUpProcess(k.Task())
	<-k.done
}

// Done is closed when the kthread's function has returned.
func (k *Kthread) Done() <-chan struct{} { return k.done }

// ExitPreemptCount is the preempt_count the kthread had when it returned,
// for the tests of the unbalanced-exit check.
func (k *Kthread) ExitPreemptCount() uint32 { return k.exitPC }

// SetNice sets a task's nice value (set_user_nice): the scheduler gives
// lower values longer time slices and lets them preempt higher values on
// wake-up. The run time the task had at its old weight is charged at that
// weight, and its distance from min_vruntime is kept in real time
// (reweightTask, sched_fair.go).
func SetNice(t *Task, nice int32) {
	nice = min(max(nice, -20), 19)
	rq, fl := lockTaskRQ(t)
	rq.reweightTask(t, nice)
	t.Slice = sliceFor(nice)
	rq.lock.Unlock(fl)
}
