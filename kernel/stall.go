package kernel

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
)

// The stall detector: what the kernel prints when the Go runtime stops
// making progress, instead of a silent hang until some outer timeout.
//
// Everything the kernel runs above its interrupt handlers is Go code
// managed by the runtime, which stops the world now and then and waits
// for every goroutine to reach a safe point. A task that is never run
// again, or a wake-up that is lost, leaves the runtime waiting for ever:
// its timers stop, and with them every test timeout. The timer interrupt
// still runs, though. So a goroutine touches a heartbeat once a second
// (boot starts it), and every CPU's tick checks it; after StallLimit
// without one it prints every task's scheduling state, every run queue
// and how long ago each CPU last took a tick (a CPU stuck with interrupts
// off shows there), once, the way Linux's hung-task and lockup detectors report.
// Every CPU then adds where its timer interrupted it, with a backtrace
// (what runs there now is in no saved state). Under panic=exit (the
// tests) the machine then exits with the BUG status; otherwise it goes
// on, in case the runtime recovers.
//
// The check and the report run in interrupt context: no allocation.

// StallLimit is how long (ns) the heartbeat may be silent; a test that
// stalls the runtime on purpose shortens it.
var StallLimit uint64 = 60e9

var stall struct {
	last     atomic.Uint64
	reporter atomic.Uint32 // 1 + the CPU that reported, which finishes the report
	lastTick [MaxCPUs]atomic.Uint64
	// Each CPU prints where its timer interrupted it (showInterrupted),
	// since what runs there now is not in any saved state; the report
	// is finished when all have, or after finishTicks of the reporter.
	pending     [MaxCPUs]atomic.Uint32 // showNone, showAsked, showPrinting
	finishTicks int
}

const finishTicks = 50

// A CPU's part in the report: asked for, being printed (the report must
// not end under it, and an NMI must not start it again), done.
const (
	showNone = iota
	showAsked
	showPrinting
)

// TouchStallWatchdog records that the runtime still schedules goroutines.
func TouchStallWatchdog() { stall.last.Store(Nanotime()) }

// checkStall runs on every CPU's tick.
func checkStall(now uint64) {
	cpu := thisCPUID()
	stall.lastTick[cpu].Store(now)
	if r := stall.reporter.Load(); r != 0 {
		if r == cpu+1 {
			finishStall()
		}
		return
	}
	last := stall.last.Load()
	if last == 0 || now < last || now-last < StallLimit || !stall.reporter.CompareAndSwap(0, cpu+1) {
		return
	}
	Pr(KERN_EMERG).S("INFO: the Go runtime has not run its heartbeat goroutine for ").
		U((now - last) / 1e9).S(" s; scheduler state:").Emit()
	for i := range tasks.all {
		if r := tasks.all[i]; r != 0 {
			showTask(r.ptr())
		}
	}
	for cpu := 0; cpu < OnlineCPUs(); cpu++ {
		rq := &runqueues[cpu]
		m := Pr(KERN_EMERG).S("  cpu").U(uint64(cpu)).S(": last tick ").
			U((now - min(now, stall.lastTick[cpu].Load())) / 1e6).S(" ms ago, curr pid ").
			I(int64(rq.curr.ptr().Pid)).S(", ").U(uint64(rq.nrRunning)).S(" queued:")
		for r := rq.head; r != 0; r = r.ptr().next {
			m = m.S(" ").I(int64(r.ptr().Pid))
		}
		m.Emit()
	}
	for cpu := 0; cpu < OnlineCPUs(); cpu++ {
		stall.pending[cpu].Store(showAsked)
	}
}

// showInterrupted runs on every interrupt return and on an NMI: if the
// stall report asks for it, this CPU prints the context its interrupt
// came from, and it reports whether it did.
func showInterrupted(f *amd64.TrapFrame) bool {
	cpu := thisCPUID()
	if !stall.pending[cpu].CompareAndSwap(showAsked, showPrinting) {
		return false
	}
	t := Current()
	Pr(KERN_EMERG).S("  cpu").U(uint64(cpu)).S(" was running pid ").I(int64(t.Pid)).S(" at rip ").X(f.RIP).
		S(", backtrace:").Emit()
	if !f.InterruptsWereEnabled() {
		Pr(KERN_EMERG).S("  (with interrupts off: this came by NMI)").Emit()
	}
	Pr(KERN_EMERG).S("  [<0x").X16(f.RIP).S(">]").Emit()
	backtrace(uintptr(f.RBP), 16)
	stall.pending[cpu].Store(showNone)
	return true
}

// A CPU that runs with interrupts off for good takes no tick and no IPI,
// only an NMI (SDM Vol. 3A, 11.6.1: delivery mode 100b), which the irq
// package sends; the NMI handler then prints, as Linux's NMI backtrace
// does for a hard lockup.
var sendNMIHook func(cpu int)

// SetNMISender installs the NMI sender. Boot time only.
func SetNMISender(fn func(cpu int)) { sendNMIHook = fn }

// finishStall ends the report once every CPU has shown itself: under
// panic=exit the machine exits with the BUG status, under panic=halt it
// stops; otherwise it goes on.
func finishStall() {
	if stall.finishTicks < 0 {
		return
	}
	stall.finishTicks++
	if stall.finishTicks == finishTicks/2 && sendNMIHook != nil {
		for cpu := 0; cpu < OnlineCPUs(); cpu++ {
			if stall.pending[cpu].Load() == showAsked {
				sendNMIHook(cpu)
			}
		}
	}
	for cpu := 0; cpu < OnlineCPUs() && stall.finishTicks < finishTicks; cpu++ {
		if stall.pending[cpu].Load() != showNone {
			return
		}
	}
	stall.finishTicks = -1
	for cpu := 0; cpu < OnlineCPUs(); cpu++ {
		if stall.pending[cpu].Load() != showNone {
			Pr(KERN_EMERG).S("  cpu").U(uint64(cpu)).S(" did not answer, not even an NMI").Emit()
		}
	}
	Pr(KERN_EMERG).S("---[ end of stall report ]---").Emit()
	afterBug()
}

// showTask prints one task's scheduling state, and the system call or
// interrupt it last entered the kernel with (the frame at the top of its
// kernel stack; stale if it has returned since). A dead task's stack may
// be unmapped under us by the CPU reaping it, so it is not read.
func showTask(t *Task) {
	m := Pr(KERN_EMERG).S("  pid ").I(int64(t.Pid)).S(" ").B(t.Name[:nameLen(t)]).
		S(" state ").S(stateLetter(t.State)).S(" cpu ").U(uint64(t.ThreadInfo.CPU)).
		S(" onCPU ").S(boolStr(t.onCPU)).S(" onRQ ").S(boolStr(t.onRQ)).
		S(" preempt_count ").X(uint64(t.ThreadInfo.PreemptCount)).S(" migrateTo ").I(int64(t.migrateTo))
	if t.kind != taskIdle && t.State != TASK_DEAD {
		f := (*amd64.TrapFrame)(ptrOf((t.KStackHi &^ 15) - amd64.TrapFrameSize))
		if f.Vector == amd64.VecSyscall {
			m = m.S(" last entry: syscall ").U(f.RAX).S(" rdi ").X(f.RDI).S(" rip ").X(f.RIP)
		} else {
			m = m.S(" last entry: vector ").U(f.Vector).S(" rip ").X(f.RIP)
		}
	}
	m.Emit()
}

// stateLetter names a task state as ps does: R running or runnable, S
// interruptible sleep, D uninterruptible sleep, X dead.
func stateLetter(s int32) string {
	switch s {
	case TASK_RUNNING:
		return "R"
	case TASK_INTERRUPTIBLE:
		return "S"
	case TASK_UNINTERRUPTIBLE:
		return "D"
	case TASK_DEAD:
		return "X"
	}
	return "?"
}

// stallReporting reports whether a stall report is under way.
func stallReporting() bool { return stall.reporter.Load() != 0 }
