package kernel

// thread_info: the per-task word the preemption model is about.
//
// Every task carries, at a fixed place, its flags (TIF_NEED_RESCHED: "the
// scheduler wants this CPU back") and its preempt_count (how many reasons
// there are not to take the CPU away from it now: see preempt.go). Linux
// keeps them in struct thread_info; so does this kernel, inside the task.
// Both are read and written by the task itself and by interrupt handlers
// on its CPU; other CPUs only set flags, with atomic operations.
type ThreadInfo struct {
	Flags        uint64 // TIF_* bits, atomic
	PreemptCount uint32 // see preempt.go for the layout
	CPU          uint32 // the CPU the task runs or last ran on
}

// Thread-info flags.
const (
	TIF_NEED_RESCHED = 1 << 0 // schedule() at the next preemption point
	// 1 << 1 is free: Linux's TIF_POLLING_NRFLAG has no use here, as the
	// idle loop halts (idle.go) and is woken by an interrupt.
)
