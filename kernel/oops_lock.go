package kernel

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
	"gopreempt/percpu"
)

// The report lock: one whole report at a time on the console.
//
// A report (a BUG, an oops, a kernel panic, a stall) is many printk lines
// and a backtrace, each line one console write. Two CPUs that report at
// the same moment would otherwise interleave their lines into a log that
// no one can read, and under panic=exit the first to finish would end
// the machine while the other is halfway through, cutting the report
// that may be the one that matters. Linux serializes its oopses with
// die_lock (arch/x86/kernel/dumpstack.c): oops_begin() turns interrupts
// off and takes an arch spinlock that remembers its owning CPU, so that
// an oops inside an oops on the same CPU goes through instead of
// deadlocking while other CPUs wait; oops_end() lets it go. And panic()
// lets one CPU through (panic_cpu) and stops the others.
//
// oopsBegin and oopsEnd are the same pair here, around every report:
// ReportBug (debug.go), the oops (oops.go, fault_oops.go, and its
// continuation in task context, oops_task.go), a SYSCALL from kernel
// context, every "Kernel panic" and the stall report. The rules:
//
//   - Interrupts are off while the lock is held, so a report is never
//     interrupted by the tick or an IPI on its own CPU. An NMI or an
//     exception inside it (a BUG while printing, the stall report's NMI
//     backtrace) finds its own CPU as the owner and nests: depth counts
//     how deep, and only the outermost oopsEnd lets go.
//   - Other CPUs wait, interrupts off, spinning. The wait is bounded
//     (oopsLockWait): a holder whose CPU died, loops or waits for the
//     waiter (an IPI it sends to a CPU spinning here with interrupts off)
//     must not take the machine with it. A waiter that gives up prints
//     its report anyway, after a line saying that it did: its lines may
//     then interleave with the holder's, which is better than no report.
//   - A report finished on the faulting goroutine (task_report.go) moves
//     to task context with the lock held: FinishInTask hands it from the
//     CPU to the goroutine (owner is then the goroutine's g), which may
//     migrate, allocate and sleep with interrupts on, as the runtime's
//     decoder and traceback need, and which ends the machine.
//   - The end of the machine (PowerOff, poweroff.go) takes the lock too,
//     for good: it waits (bounded) for a report in progress on another
//     CPU to finish before it ends QEMU, so no report is cut, and a CPU
//     that starts a report after that finds the machine ending and stops
//     itself, as Linux's panic() stops the other CPUs.
//
// Before the second CPU comes up there is no one to wait for, and the
// per-CPU area that names this CPU may not exist yet (a boot failure
// ends the machine through here too): the owner is then CPU 0.
//
// Any context (task, interrupt, exception, NMI): no allocation, no heap
// pointer writes (the owner is a number, a goroutine's g as a uintptr),
// nothing that could grow the stack beyond what the report paths do.

// oopsLockWait is how long (ns) a CPU waits for another CPU's report
// before it prints its own anyway. Long next to any report's printing
// (milliseconds, even under a loaded TCG host), short next to the
// timeouts of the host. Tests shorten it.
var oopsLockWait uint64 = 5e9

var oopsLock struct {
	// owner is 0 when the lock is free, 1+cpu while a CPU holds it, or
	// the g of the goroutine a report was handed to (FinishInTask): an
	// address above any CPU number.
	owner atomic.Uint64
	// task is the task that ran the goroutine owner when it took the
	// lock: an exception or interrupt on that task, which interrupted
	// the report, nests instead of waiting for it.
	task  atomic.Uintptr
	depth uint32 // nesting on the owner; the owner alone touches it
	// ending is set once the machine is ending (PowerOff): the owner
	// never lets go, and a CPU that would wait stops instead.
	ending atomic.Bool
}

// oopsTicket is what oopsBegin hands to oopsEnd: the interrupt state to
// give back, and whether this report holds the lock (a waiter that gave
// up does not).
type oopsTicket struct {
	flags uint64
	held  bool
}

// irqsWereOff reports whether interrupts were off when the report began:
// what a report prints as the reporter's state, not the state the lock
// made.
func (k oopsTicket) irqsWereOff() bool { return k.flags&amd64.FlagIF == 0 }

// oopsOwnerID names the caller for the lock: the goroutine the lock was
// handed to if the caller is that goroutine or interrupted it, else its
// CPU.
func oopsOwnerID() uint64 {
	if o := oopsLock.owner.Load(); o > MaxCPUs {
		if o == currentG() || uintptr(refOf(Current())) == oopsLock.task.Load() {
			return o
		}
	}
	return 1 + thisCPU()
}

// thisCPU is the CPU number, or 0 while only the boot CPU runs (its
// per-CPU area may not be set up yet).
func thisCPU() uint64 {
	if OnlineCPUs() > 1 {
		return uint64(percpu.RawSmpProcessorID())
	}
	return 0
}

// currentG is the g in the caller's TLS (-8 off the FS base): the
// goroutine's own in task context, the stand-in g in kernel context.
func currentG() uint64 {
	fs := uintptr(amd64.Rdmsr(amd64.MSR_FS_BASE))
	if fs < 8 {
		return 0
	}
	g, _ := PeekWord(fs - 8)
	return uint64(g)
}

// oopsBegin starts a report: interrupts off, then the lock, as Linux's
// oops_begin. It returns what oopsEnd needs.
func oopsBegin() oopsTicket {
	k := oopsTicket{flags: LocalIrqSave()}
	me := oopsOwnerID()
	if oopsLock.owner.Load() == me {
		oopsLock.depth++ // nested on this CPU: go through
		k.held = true
		return k
	}
	if oopsLock.owner.CompareAndSwap(0, me) {
		oopsLock.depth = 1
		k.held = true
		return k
	}
	k.held = oopsLockWaitFor(me)
	return k
}

// oopsTryBegin is oopsBegin for a caller that can come back later: if
// another CPU's report holds the lock, it returns at once, with held
// false and interrupts as they were.
func oopsTryBegin() oopsTicket {
	k := oopsTicket{flags: LocalIrqSave()}
	me := oopsOwnerID()
	switch {
	case oopsLock.owner.Load() == me:
		oopsLock.depth++
	case oopsLock.owner.CompareAndSwap(0, me):
		oopsLock.depth = 1
	default:
		LocalIrqRestore(k.flags)
		return oopsTicket{flags: k.flags}
	}
	k.held = true
	return k
}

// oopsLockWaitFor spins until the lock is free and takes it for me, or
// until oopsLockWait has passed; then it says so on the console and
// returns false. A CPU that finds the machine ending stops here.
func oopsLockWaitFor(me uint64) bool {
	start := Nanotime()
	for spins := uint64(0); ; spins++ {
		o := oopsLock.owner.Load()
		if o == 0 && oopsLock.owner.CompareAndSwap(0, me) {
			oopsLock.depth = 1
			return true
		}
		if oopsLock.ending.Load() {
			amd64.HaltForever() // the machine ends on another CPU
		}
		// The clock may not run yet at boot: then count spins,
		// about a microsecond each.
		if waited(start, spins) >= oopsLockWait {
			m := Pr(KERN_EMERG).S("(report lock: waited ").U(oopsLockWait / 1e6).S(" ms for ")
			if o > MaxCPUs {
				m = m.S("a report finishing in task context")
			} else {
				m = m.S("the report on cpu").U(o - 1)
			}
			m.S(" to finish; this report may interleave with it)").Emit()
			return false
		}
		amd64.Pause()
	}
}

// waited is how long (ns) a wait that began at start has lasted, by the
// clock, or by spins of about a microsecond before the clock runs.
func waited(start, spins uint64) uint64 {
	if start == 0 {
		return spins * 1e3
	}
	return Nanotime() - start
}

// oopsEnd finishes a report begun with oopsBegin: the outermost end lets
// the lock go, and the interrupt state comes back (Linux's oops_end).
func oopsEnd(k oopsTicket) {
	if k.held && !oopsLock.ending.Load() {
		oopsLock.depth--
		if oopsLock.depth == 0 {
			oopsLock.owner.Store(0)
		}
	}
	LocalIrqRestore(k.flags)
}

// oopsHandToTask moves the lock, held by this CPU for a report that
// FinishInTask sends on to goroutine g, to that goroutine. The report's
// caller then leaves the exception without oopsEnd: the lock goes with
// the report, and the goroutine's ending (PanicEnd) finishes it.
// Exception context.
func oopsHandToTask(g uintptr) {
	if oopsLock.owner.Load() == 1+thisCPU() {
		oopsLock.task.Store(uintptr(refOf(Current())))
		oopsLock.owner.Store(uint64(g))
	}
}

// oopsLockForEnd takes the lock for the end of the machine and keeps it:
// a report in progress on another CPU finishes first (bounded, like any
// wait here), and none starts after.
func oopsLockForEnd() {
	LocalIrqSave() // never given back
	me := oopsOwnerID()
	if o := oopsLock.owner.Load(); o != me && !oopsLock.owner.CompareAndSwap(0, me) {
		oopsLockWaitFor(me)
	}
	oopsLock.ending.Store(true)
}

// OopsBeginInTask takes the lock for a report that runs on a goroutine
// and ends the machine (fpu's AVX report, finished in task context): the
// goroutine owns it, with interrupts left as they are, since the report
// decodes and formats with the Go heap. The machine's end releases it
// (PowerOff); there is no matching end. Task context.
func OopsBeginInTask() {
	g := currentG()
	if oopsLock.owner.Load() == g {
		oopsLock.depth++
		return
	}
	fl := LocalIrqSave()
	me := oopsOwnerID()
	held := oopsLock.owner.CompareAndSwap(0, me)
	if held {
		oopsLock.depth = 1
	} else {
		held = oopsLockWaitFor(me)
	}
	if held {
		oopsLock.task.Store(uintptr(refOf(Current())))
		oopsLock.owner.Store(g) // from this CPU to the goroutine
	}
	LocalIrqRestore(fl)
}
