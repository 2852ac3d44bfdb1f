package kernel

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
)

// The debug checks that make the preemption rules visible (Linux's
// CONFIG_DEBUG_PREEMPT, CONFIG_DEBUG_ATOMIC_SLEEP and spinlock debugging),
// always on in this teaching kernel. Each report starts with "BUG:", names
// the task and its preempt_count, and prints a backtrace, all under the
// report lock (oops_lock.go), so that BUGs on several CPUs at once come
// out one whole report after another. By default the kernel then
// continues where that is safe; panic=exit turns every BUG into a
// failing exit (for tests), panic=halt stops the machine.
//
// Callable from any context: no allocation.

// BugKind names each check.
type BugKind int

const (
	BugSchedulingWhileAtomic BugKind = iota
	BugSleepInAtomic                 // "sleeping function called from invalid context"
	BugPreemptUnderflow
	BugScheduleIRQsOff
	BugPreemptScheduleIRQ
	BugUnbalancedKthreadExit
	BugWrongOwnerUnlock
	BugSmpProcessorID // smp_processor_id() in preemptible code
	BugFPU            // kernel_fpu_begin/end misuse
	BugAVX            // AVX outside kernel_fpu_begin/end
	BugSpinlockRecursion
	BugUnbalancedExit    // the program exited with preemption disabled
	BugSyscallFromKernel // SYSCALL from kernel context (syscall_from_kernel.go)
	BugTaskIRQsOff       // a thread in task context with interrupts off, not pinned (irq_flags.go)
	numBugKinds
)

var bugNames = [numBugKinds]string{
	"scheduling while atomic",
	"sleeping function called from invalid context",
	"preempt count underflow",
	"schedule() called with interrupts disabled",
	"preempt_schedule_irq() called from a wrong context",
	"kthread returned with preemption disabled",
	"lock released by a task that does not own it",
	"using smp_processor_id() in preemptible code",
	"kernel_fpu_begin/end misuse",
	"AVX instruction outside kernel_fpu_begin/end",
	"spinlock recursion",
	"program exited with preemption disabled",
	"system call from kernel context",
	"task context with interrupts off outside an irqs-off section",
}

var bugCounts [numBugKinds]atomic.Uint64

// bugsExpected is raised while a test provokes BUGs on purpose: the
// reports are printed and counted, but panic=exit does not end the run.
var bugsExpected atomic.Int32

// ExpectBugs runs fn with BUG reports made non-fatal, and returns how
// many reports of kind k it caused.
func ExpectBugs(k BugKind, fn func()) uint64 {
	bugsExpected.Add(1)
	defer bugsExpected.Add(-1)
	before := BugCount(k)
	fn()
	return BugCount(k) - before
}

// BugCount returns how many times a check has fired since boot.
func BugCount(k BugKind) uint64 { return bugCounts[k].Load() }

// String is the message of the check.
func (k BugKind) String() string { return bugNames[k] }

// ReportBug prints a BUG report for the current task. detail is appended
// to the first line.
func ReportBug(k BugKind, detail string) { reportBugWith(k, detail, Msg{}) }

// reportBugWith is ReportBug with one more line of facts (an empty Msg
// for none), printed after the task line: before the backtrace, and
// before panic=exit can end the run. The report, and the end of the
// machine if it comes, hold the report lock.
func reportBugWith(k BugKind, detail string, extra Msg) {
	bugCounts[k].Add(1)
	ticket := oopsBegin()
	defer oopsEnd(ticket)
	t := Current()
	m := Pr(KERN_ERR).S("BUG: ").S(bugNames[k])
	if detail != "" {
		m = m.S(": ").S(detail)
	}
	m.Emit()
	Pr(KERN_ERR).S("  task: ").B(t.Name[:nameLen(t)]).S(" pid ").I(int64(t.Pid)).
		S(" cpu ").U(uint64(t.ThreadInfo.CPU)).
		S(" preempt_count=").X(uint64(t.ThreadInfo.PreemptCount)).
		S(" irqs_disabled=").S(boolStr(ticket.irqsWereOff())).Emit()
	if extra.n != 0 {
		extra.Emit()
	}
	DumpStack()
	bugEnd()
}

// bugEnd ends a BUG report: a test that provoked it on purpose
// (ExpectBugs) goes on; otherwise the machine goes on or ends as panic=
// says (EndBug).
func bugEnd() {
	if bugsExpected.Load() > 0 {
		return
	}
	PanicEnd(EndBug)
}

// reportCallerBug is ReportBug for a report about the task-context code
// that entered the kernel with frame f: its interrupt state, its frames
// (ReportBug's would be the handler's, with interrupts on, ending at the
// entry). why follows the task line.
func reportCallerBug(k BugKind, f *amd64.TrapFrame, why string) {
	bugCounts[k].Add(1)
	defer oopsEnd(oopsBegin())
	t := Current()
	Pr(KERN_ERR).S("BUG: ").S(bugNames[k]).Emit()
	Pr(KERN_ERR).S("  task: ").B(t.Name[:nameLen(t)]).S(" pid ").I(int64(t.Pid)).
		S(" cpu ").U(uint64(t.ThreadInfo.CPU)).
		S(" preempt_count=").X(uint64(t.ThreadInfo.PreemptCount)).
		S(" irqs_disabled=").S(boolStr(!f.InterruptsWereEnabled())).S(" in the caller").Emit()
	Pr(KERN_ERR).S("  ").S(why).S(" from RIP ").X16(f.RIP).S(" RSP ").X16(f.RSP).Emit()
	frameBacktrace(f)
	bugEnd()
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func bugSchedulingWhileAtomic(t *Task) {
	ReportBug(BugSchedulingWhileAtomic, "")
}

func bugScheduleIRQsOff(t *Task) { ReportBug(BugScheduleIRQsOff, "") }

func bugPreemptUnderflow(t *Task) {
	ReportBug(BugPreemptUnderflow, "preempt_enable() without preempt_disable()")
}

func bugPreemptScheduleIRQ(t *Task) {
	ReportBug(BugPreemptScheduleIRQ, "needs preempt_count 0 and interrupts off")
}

// MightSleep is Linux's might_sleep(): it marks a function that may
// block. Called in atomic context (preempt_count non-zero, or interrupts
// off) it reports "sleeping function called from invalid context", even
// if this particular call would not have slept: the bug is in the
// calling context, and the report should not depend on luck. Under
// preempt=voluntary it is also a preemption point.
func MightSleep() {
	t := Current()
	if t.ThreadInfo.PreemptCount&^PREEMPT_ACTIVE != 0 || !amd64.InterruptsEnabled() {
		ReportBug(BugSleepInAtomic, "")
		return
	}
	if Model == PreemptVoluntary {
		CondResched()
	}
}
