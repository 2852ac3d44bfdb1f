// Package trace is the kernel's event tracer: a record, with a TSC
// timestamp, of every scheduling decision and every change of the state
// that decides whether a task may be preempted, so that a student can
// watch preemption happen instead of counting it (Linux's ftrace event
// tracer, Documentation/trace/events.rst, is the model).
//
// Each CPU has its own ring buffer of fixed-size records (format.Record,
// 32 bytes), in page frames from mm, outside the Go heap: the events are
// recorded from interrupt handlers, the scheduler and SYSCALL entry,
// where nothing may allocate. A record is written only by its own CPU,
// with interrupts off for the few instructions the write takes, so the
// buffers need no lock and no atomic instruction: nothing else can run
// on that CPU in between (NMI handlers record nothing). The ring
// overwrites its oldest records when it is full, as ftrace's default
// overwrite mode does, and counts what it lost.
//
// Readers (the drain to the second serial port, the kernel-mode tests)
// read other CPUs' buffers, so they do so only once tracing is stopped:
// Stop clears the enabled set and waits until no CPU is inside a write.
//
// What is recorded is chosen by class (Sched, Preempt, IRQ, FPU, Signal,
// Syscall), at boot with trace= and at run time with Enable, Start and
// Stop. The hooks in the kernel are inlined functions that read one
// global word, Events, and branch: with tracing off each hot path pays
// one load and one predictable branch, and the call itself is behind it
// (BenchmarkPreemptPairTraceOff in the kernel package measures it).
//
// Events are recorded in any context: all of this package's recording
// path is nosplit, allocates nothing and writes no heap pointer.
package trace
