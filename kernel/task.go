package kernel

import (
	"sync/atomic"
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/mm"
)

// task_struct.
//
// A task is what the scheduler runs: a kernel stack, saved registers, a
// thread_info, a state. Every thread of the Go runtime is one (clone
// creates them), each kthread is one, and each CPU has an idle task. The
// runtime sees them as Linux threads.
//
// Tasks live outside the Go heap, each in a page of its own, because the
// scheduler and the interrupt handlers use them where the Go heap must not
// be touched. For the same reason the links between tasks are taskRef
// values (addresses as integers), not Go pointers: storing a Go pointer
// triggers a write barrier while the collector runs, and write barriers
// need a real goroutine (the Go runtime does the same with guintptr).
type Task struct {
	amd64.TaskContext // first: the entry code and SwitchTo read it

	ThreadInfo ThreadInfo

	State  int32 // TASK_RUNNING, TASK_INTERRUPTIBLE, ...
	Pid    int32 // thread id; the init task is 1
	Nice   int32 // -20 (first) .. 19 (last), as Linux
	Slice  int32 // ticks left in the current time slice
	onRQ   bool  // queued on a run queue (not running)
	onCPU  bool  // running, or being switched out
	kind   uint8 // taskIdle, taskThread, taskKthread
	exited bool

	usage atomicInt32 // references to the task struct (task_ref.go)

	Name [16]byte

	se schedEntity // the fair scheduler's part (sched_fair.go)

	// Timer used by sleeps with a timeout (timer.go).
	timer Timer

	// The wait-queue entry of a wait from task context (wait_event.go);
	// a wait in kernel context keeps its entry on the kernel stack.
	wait WaitQueueEntry

	// CPUs the task may run on (bit n: CPU n); 0 means all.
	Allowed   uint64
	migrateTo int32 // CPU+1 to move to after it is switched out, or 0

	ExitCode      int32
	ClearChildTID uintptr // CLONE_CHILD_CLEARTID address

	// Preemption debugging (debug.go).
	preemptOffStart uint64 // when the preemption depth left 0, if traced (ns; preempt.go)
	preemptOffSeen  uint64 // the first tick that found it off, until it is 0 again (ns; stall.go)
	lastBugPC       uintptr
	tracePC         uintptr // call site of a traced outermost preempt_disable/enable (preempt_amd64.s)

	// When the task became runnable, 0 once schedule() picks it (stall.go).
	runnableSince atomic.Uint64

	Stats TaskStats

	Signal SigTask // signal.go

	cputime cpuTime // CPU time (cputime.go)

	kctx amd64.KernelContext
}

// taskRef is a task's address, stored where a Go pointer would need a
// write barrier.
type taskRef uintptr

func (r taskRef) ptr() *Task { return (*Task)(addr.Ptr(uintptr(r))) }

func refOf(t *Task) taskRef { return taskRef(unsafe.Pointer(t)) }

// A task fits in one page (the check fails to compile otherwise).
var _ [mm.PageSize - unsafe.Sizeof(Task{})]byte

// Task states, as Linux's.
const (
	TASK_RUNNING         = 0
	TASK_INTERRUPTIBLE   = 1
	TASK_UNINTERRUPTIBLE = 2
	TASK_DEAD            = 64
)

const (
	taskIdle = iota
	taskThread
	taskKthread
)

// maxTasks bounds the task table.
const maxTasks = 1024

var tasks struct {
	lock    amd64.RawLock
	all     [maxTasks]taskRef // by slot; pid = slot + 1 for ordinary tasks
	nextPid int32
	count   int
}

// Current returns the task running on this CPU. In task context the
// answer can change at any preemption point unless preemption is off, but
// the task it names is always the caller: a task that migrates takes its
// identity with it.
func Current() *Task { return (*Task)(unsafe.Pointer(amd64.CurrentTask())) }

// NameString returns the task's name.
func (t *Task) NameString() string {
	n := 0
	for n < len(t.Name) && t.Name[n] != 0 {
		n++
	}
	return string(t.Name[:n])
}

// SetName sets the task's name (truncated to 15 bytes, as Linux's comm).
func (t *Task) SetName(s string) {
	for i := range t.Name {
		t.Name[i] = 0
	}
	for i := 0; i < len(s) && i < len(t.Name)-1; i++ {
		t.Name[i] = s[i]
	}
}

// allocTask creates a task with its page, FPU area and kernel stack. It
// returns nil when memory or task slots run out. An idle task brings its
// stack along (the boot stack it already runs on): lo and hi give it.
func allocTask(kind uint8, lo, hi uintptr) *Task {
	pa := mm.AllocFrame()
	if pa == 0 {
		return nil
	}
	fpu := mm.AllocFrame()
	if fpu == 0 {
		mm.FreeFrame(pa)
		return nil
	}
	if kind != taskIdle {
		var ok bool
		lo, hi, ok = mm.AllocKernelStack()
		if !ok {
			mm.FreeFrame(pa)
			mm.FreeFrame(fpu)
			return nil
		}
	}
	t := (*Task)(addr.Ptr(uintptr(pa)))
	t.kind = kind
	t.KStackLo, t.KStackHi = lo, hi
	t.kctx.Init(lo, hi)
	t.KernelFS = t.kctx.FSBase()
	t.FPU = uintptr(fpu)
	fpuInitArea(t.FPU)
	t.Slice = sliceFor(0)
	t.usage.Store(1) // the task's own, dropped when it is reaped

	fl := tasks.lock.Lock()
	slot := -1
	for i := range tasks.all {
		if tasks.all[i] == 0 {
			slot = i
			break
		}
	}
	if slot < 0 {
		tasks.lock.Unlock(fl)
		releaseTask(t)
		return nil
	}
	tasks.all[slot] = refOf(t)
	tasks.count++
	if kind != taskIdle { // idle tasks are pid 0, as Linux's swapper
		tasks.nextPid++
		t.Pid = tasks.nextPid
	}
	tasks.lock.Unlock(fl)
	return t
}

// releaseTask gives back what a dead task ran on: its task-table slot,
// kernel stack and FPU area, and the task's reference on its own struct.
// It runs on another task's stack (the dead one cannot free the stack it
// stands on). The struct itself lives on while others hold references.
func releaseTask(t *Task) {
	fl := tasks.lock.Lock()
	for i := range tasks.all {
		if tasks.all[i] == refOf(t) {
			tasks.all[i] = 0
			tasks.count--
		}
	}
	tasks.lock.Unlock(fl)
	if t.kind != taskIdle {
		mm.FreeKernelStack(t.KStackLo)
	}
	mm.FreeFrame(uint64(t.FPU))
	t.FPU = 0
	PutTaskStruct(t)
}

// FindTask returns the live task with thread id pid with a reference
// taken (drop it with PutTaskStruct), or nil.
func FindTask(pid int32) *Task {
	fl := tasks.lock.Lock()
	defer tasks.lock.Unlock(fl)
	for _, r := range tasks.all {
		if r != 0 && r.ptr().Pid == pid && r.ptr().State != TASK_DEAD {
			GetTaskStruct(r.ptr())
			return r.ptr()
		}
	}
	return nil
}

// ForEachTask calls fn for every task (for statistics). Each task is
// referenced while fn looks at it: it may die meanwhile, but its struct
// stays readable. Task context.
func ForEachTask(fn func(t *Task)) {
	fl := tasks.lock.Lock()
	var list [maxTasks]taskRef
	n := 0
	for _, r := range tasks.all {
		if r != 0 {
			GetTaskStruct(r.ptr())
			list[n] = r
			n++
		}
	}
	tasks.lock.Unlock(fl)
	for _, r := range list[:n] {
		fn(r.ptr())
		PutTaskStruct(r.ptr())
	}
}

// SetCurrentState is set_current_state(): the current task announces that
// it is about to sleep (TASK_INTERRUPTIBLE) or that it stays
// (TASK_RUNNING). It must come before the task checks its wake-up
// condition, so that a wake-up arriving after the check finds the state
// and makes the task runnable again (the wake-up cannot be lost).
func SetCurrentState(state int32) {
	t := Current()
	amd64.CompilerBarrier()
	atomicStoreState(t, state)
	amd64.CompilerBarrier()
}

func atomicStoreState(t *Task, s int32) {
	(*atomicInt32)(unsafe.Pointer(&t.State)).Store(s)
}

// InSyscall returns the number of the system call t is in, or -1. Tests
// use it to know that a sleeper sleeps in the call they made, and not in
// the runtime's own futex on its way there.
func (t *Task) InSyscall() int64 { return atomic.LoadInt64(&t.Signal.origAX) }
