package kernel

// Task exit. A task that exits becomes TASK_DEAD and schedules away for
// the last time; the task that runs next on that CPU frees its memory in
// finishSwitch (a task cannot free the stack it is running on).

// DoExit ends the current task. It does not return.
func DoExit(code int32) {
	t := Current()
	t.ExitCode = code
	t.exited = true
	if exitHook != nil {
		exitHook(t)
	}
	rq := thisRQ()
	fl := rq.lock.Lock()
	t.State = TASK_DEAD
	rq.lock.Unlock(fl)
	schedule()
	// Not reached: a dead task is never queued again.
	ReportBug(BugSchedulingWhileAtomic, "dead task scheduled")
	for {
		schedule()
	}
}

// exitHook lets the kthread layer check a task on its way out.
var exitHook func(t *Task)

// reapTask frees a dead task. It runs in the next task, on its stack.
func reapTask(t *Task) {
	tasks.lock.Unlock(tasks.lock.Lock()) // order with FindTask
	freeTask(t)
}
