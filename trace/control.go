package trace

import (
	"strings"

	"gopreempt/arch/amd64"
	"gopreempt/percpu"
	"gopreempt/trace/format"
)

// Class is a set of event classes: what Enable selects and trace= names.
type Class uint32

const (
	Sched   Class = 1 << iota // sched_switch, sched_wakeup, sched_migrate_task, need_resched
	Preempt                   // preempt_schedule(_irq) entry and exit, outermost preempt_disable/enable
	IRQ                       // irq_enter/irq_exit, IPIs sent and received
	FPU                       // kernel_fpu_begin/end
	Signal                    // signals delivered
	Syscall                   // system-call entry and exit (SetSyscallFilter narrows it)

	All = Sched | Preempt | IRQ | FPU | Signal | Syscall
)

var classNames = []struct {
	name string
	c    Class
}{
	{"sched", Sched}, {"preempt", Preempt}, {"irq", IRQ}, {"fpu", FPU},
	{"signal", Signal}, {"syscall", Syscall},
}

// ClassNames returns the class names, in the order String writes them
// (for trace='s usage text).
func ClassNames() []string {
	names := make([]string, len(classNames))
	for i, n := range classNames {
		names[i] = n.name
	}
	return names
}

// ParseClasses reads trace='s value: "all", or class names joined by
// commas ("sched,irq,preempt"). ok is false for an unknown name.
func ParseClasses(s string) (c Class, ok bool) {
	for _, w := range strings.Split(s, ",") {
		if w == "all" {
			c |= All
			continue
		}
		found := false
		for _, n := range classNames {
			if n.name == w {
				c |= n.c
				found = true
			}
		}
		if !found {
			return 0, false
		}
	}
	return c, true
}

// String is ParseClasses's inverse.
func (c Class) String() string {
	if c == All {
		return "all"
	}
	var names []string
	for _, n := range classNames {
		if c&n.c != 0 {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// Events is the set of classes being recorded now: the selection while
// tracing runs, zero while it is stopped. It is the one word every hook
// reads (events.go). Written only by Start, Stop and Enable.
var Events uint32

var (
	selected = All
	running  bool
	epoch    uint32
)

// What the tracer needs from the kernel, which imports it (set once at
// boot by boot/hooks.go).
var (
	numCPUs   = func() int { return 1 }
	tscHz     = func() uint64 { return 0 }
	taskNames = func(func(pid int32, name []byte)) {}
)

// Setup installs the kernel's answers: the number of CPUs online, the
// TSC rate, and a walk over the live tasks' names. Boot time only.
func Setup(cpus func() int, hz func() uint64, names func(func(pid int32, name []byte))) {
	numCPUs, tscHz, taskNames = cpus, hz, names
}

// Enable selects the classes to record: at once if tracing runs, else
// from the next Start.
func Enable(c Class) {
	selected = c
	if running {
		Events = uint32(c)
	}
}

// Enabled returns the selected classes (for tests, which restore them).
func Enabled() Class { return selected }

// Start empties the buffers and starts recording the selected classes
// on every CPU online. Task context (it may allocate the rings). It
// reports false if the rings could not be allocated.
func Start() bool {
	Stop()
	if !allocRings(numCPUs()) {
		return false
	}
	reset()
	epoch++
	running = true
	amd64.CompilerBarrier()
	Events = uint32(selected)
	return true
}

// Stop ends recording and waits until every CPU has finished the record
// it was writing; the buffers then hold the trace until the next Start.
func Stop() {
	Events = 0
	running = false
	waitQuiet()
}

// Running reports whether tracing is on.
func Running() bool { return running }

// Records returns a copy of CPU cpu's records, oldest first, and how
// many were overwritten. Tracing must be stopped. Task context. For
// tests, which read the trace in the kernel; the drain sends it out.
func Records(cpu int) (recs []format.Record, lost uint64) {
	if cpu < 0 || cpu >= MaxCPUs || percpu.PerCPU(rings, cpu).pages[0] == 0 {
		return nil, 0
	}
	r := percpu.PerCPU(rings, cpu)
	first, end := r.span()
	recs = make([]format.Record, 0, end-first)
	for i := first; i < end; i++ {
		recs = append(recs, *r.slot(i))
	}
	return recs, first
}

// The system-call filter: which numbers sys_enter/sys_exit record.
var (
	syscallFilter   [8]uint64 // a bit per number, 0..511
	syscallFiltered bool      // false: every number
)

// SetSyscallFilter records only the system calls numbered nrs; with no
// numbers, every system call. Call it while tracing is stopped. The
// tests use it; the trace= option records every call.
func SetSyscallFilter(nrs ...int) {
	syscallFilter = [8]uint64{}
	syscallFiltered = len(nrs) > 0
	for _, n := range nrs {
		if n >= 0 && n < 512 {
			syscallFilter[n/64] |= 1 << (n % 64)
		}
	}
}

//go:nosplit
func syscallTraced(nr uint64) bool {
	return !syscallFiltered || nr < 512 && syscallFilter[nr/64]&(1<<(nr%64)) != 0
}
