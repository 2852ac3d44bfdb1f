package kernel

import (
	"unsafe"

	"gopreempt/mm"
)

// Task references (Linux's get_task_struct/put_task_struct).
//
// A task's death and the freeing of its task struct are two events. When
// it dies, the task that runs next on its CPU frees its kernel stack and
// FPU area (exit.go): nothing may run on them again. But other code may
// still hold a pointer to the task: KthreadStop wakes a kthread that may
// have returned already, the statistics walk every task. If the page were
// freed at death, such a pointer would read, and a wake-up would write,
// whatever the page holds next (a new task, or Go heap memory mapped by
// the runtime). So the page is reference counted: the task holds one
// reference on itself while it lives, anyone who keeps a pointer past the
// lock that found it takes another, and the page goes back to the frame
// allocator when the last one is dropped. A dead task's struct is safe to
// read and to wake: it is TASK_DEAD, which no wake-up changes.
//
// Any context; no allocation.

// GetTaskStruct takes a reference on t, which must be held already by
// the caller or found under tasks.lock.
func GetTaskStruct(t *Task) {
	n := t.usage.Add(1)
	if n <= 1 {
		panicTaskRef(t)
	}
}

// PutTaskStruct drops a reference; the last one frees the task's page.
func PutTaskStruct(t *Task) {
	n := t.usage.Add(-1)
	if n < 0 {
		panicTaskRef(t)
	}
	if n == 0 {
		mm.FreeFrame(uint64(uintptr(unsafe.Pointer(t))))
	}
}

// panicTaskRef reports a reference taken on, or dropped from, a task
// whose page has already been freed: a use after free in the kernel.
func panicTaskRef(t *Task) {
	oopsBegin() // held until the end of the machine (oops_lock.go)
	Pr(KERN_EMERG).S("task reference count broken: task ").X(uint64(refOf(t))).
		S(" pid ").I(int64(t.Pid)).S(" usage ").I(int64(t.usage.Load())).Emit()
	DumpStack()
	PanicEnd(EndCorruption)
}
