package kernel_test

// Kernel-mode tests of the event tracer (package trace): each scenario
// is made to happen, and the records of it are checked field by field.

import (
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopreempt/arch/amd64"
	"gopreempt/dev/lapic"
	"gopreempt/internal/ktest"
	"gopreempt/kernel"
	"gopreempt/trace"
	"gopreempt/trace/format"
)

// traced runs fn with the classes c recorded, and returns every CPU's
// records (index: CPU).
func traced(t *testing.T, c trace.Class, fn func()) [][]format.Record {
	t.Helper()
	cpus, _ := tracedLost(t, c, fn)
	return cpus
}

// tracedLost is traced, and also says how many of CPU 0's records were
// overwritten (the oldest).
func tracedLost(t *testing.T, c trace.Class, fn func()) (cpus [][]format.Record, lost0 uint64) {
	t.Helper()
	old := trace.Enabled()
	trace.Enable(c)
	if !trace.Start() {
		t.Fatal("trace.Start: no memory for the rings")
	}
	fn()
	trace.Stop()
	trace.Enable(old)
	cpus = make([][]format.Record, kernel.OnlineCPUs())
	for cpu := range cpus {
		recs, lost := trace.Records(cpu)
		if lost != 0 {
			t.Logf("CPU %d: %d records overwritten", cpu, lost)
		}
		if cpu == 0 {
			lost0 = lost
		}
		cpus[cpu] = recs
	}
	return cpus, lost0
}

func funcName(pc uint64) string {
	if f := runtime.FuncForPC(uintptr(pc)); f != nil {
		return f.Name()
	}
	return "?"
}

// A task that sleeps is woken, and the wake-up is followed by its
// switch-in on the CPU the wake-up chose.
func TestTraceWakeupThenSwitch(t *testing.T) {
	var pid int32
	// The sleeper is bound to one CPU: a woken task that is free to run
	// anywhere may be pulled by an idle CPU's load balancing before it
	// runs, and then its switch-in is not on the CPU its wake-up chose.
	bound := kernel.OnlineCPUs() - 1
	// The kthread's thread may have slept and been woken, as a runtime
	// thread, before the kthread ran on it: only its wake-ups after the
	// binding count.
	var boundAt uint64
	cpus := traced(t, trace.Sched, func() {
		ktest.InKthread(t, "sleeper", func(k *kernel.Kthread) {
			k.Bind(bound)
			boundAt = amd64.Rdtsc()
			pid = k.Task().Pid
			for i := 0; i < 3; i++ {
				time.Sleep(5 * time.Millisecond)
			}
		})
	})
	// Every record of the sleeper's own switch-out to sleep, wake-up and
	// switch-in, in time order across CPUs.
	type at struct {
		r   format.Record
		cpu int
	}
	var outs, wakes, ins []at
	for cpu, recs := range cpus {
		for _, r := range recs {
			if int(r.CPU) != cpu {
				t.Fatalf("record on CPU %d's ring says CPU %d: %+v", cpu, r.CPU, r)
			}
			switch {
			case r.Type == format.SchedSwitch && int32(r.A) == pid && r.B&format.StatePreempted == 0 &&
				uint32(r.B) != kernel.TASK_RUNNING && uint32(r.B) != kernel.TASK_DEAD: // not the thread's exit
				outs = append(outs, at{r, cpu})
			case r.Type == format.SchedWakeup && int32(r.A) == pid && r.TSC > boundAt:
				wakes = append(wakes, at{r, cpu})
			case r.Type == format.SchedSwitch && int32(r.C) == pid:
				ins = append(ins, at{r, cpu})
			}
		}
	}
	if len(outs) == 0 || len(wakes) == 0 {
		t.Fatalf("pid %d: %d switch-outs to sleep and %d wake-ups recorded, want some of each", pid, len(outs), len(wakes))
	}
	found := 0
	for _, w := range wakes {
		target := int(w.r.B)
		if target != bound {
			t.Errorf("sched_wakeup pid %d: target CPU %d, but the task is bound to CPU %d", pid, target, bound)
			continue
		}
		// The first switch-in after the wake-up is on the target CPU.
		var next *at
		for i := range ins {
			if ins[i].r.TSC >= w.r.TSC && (next == nil || ins[i].r.TSC < next.r.TSC) {
				next = &ins[i]
			}
		}
		if next == nil {
			continue // woken at the end of the trace
		}
		if next.cpu != target {
			t.Errorf("pid %d woken to CPU %d but switched in on CPU %d", pid, target, next.cpu)
		}
		if next.r.Flags&format.FlagIRQsOff == 0 {
			t.Errorf("sched_switch recorded with interrupts on: %+v", next.r)
		}
		found++
	}
	if found == 0 {
		t.Fatalf("no wake-up of pid %d was followed by its switch-in", pid)
	}
	for _, o := range outs {
		if s := uint32(o.r.B); s != kernel.TASK_INTERRUPTIBLE && s != kernel.TASK_UNINTERRUPTIBLE {
			t.Errorf("switch-out to sleep with prev state %d", s)
		}
	}
	t.Logf("pid %d: %d sleeps, %d wake-ups, %d followed by the switch-in on the target CPU", pid, len(outs), len(wakes), found)
}

// find returns the index of the first record at or after i on recs that
// matches, or -1.
func find(recs []format.Record, i int, match func(r format.Record) bool) int {
	for ; i < len(recs); i++ {
		if match(recs[i]) {
			return i
		}
	}
	return -1
}

// A spinner preempted by the timer: the tick sets need_resched on it,
// the interrupt returns through preempt_schedule_irq, and the switch
// says it was preempted.
func TestTracePreemptionOnInterruptReturn(t *testing.T) {
	var r spinRound
	cpus := traced(t, trace.Sched|trace.Preempt|trace.IRQ, func() {
		ktest.WithModel(kernel.PreemptFull, func() {
			r = spinNextToCounter(t, spinSpec{extraTicks: 3 * sliceTicks(), untilPreempted: true})
		})
	})
	if r.inside.PreemptFromIRQ == r.before.PreemptFromIRQ {
		t.Fatalf("the spinner was not preempted on interrupt return in %d ticks", r.ticks)
	}
	recs := cpus[0] // both kthreads are bound to CPU 0
	seen := 0
	for i := 0; ; i++ {
		i = find(recs, i, func(r format.Record) bool { return r.Type == format.PreemptScheduleIRQEnter })
		if i < 0 {
			break
		}
		enter := recs[i]
		pid := int32(enter.A)
		if pid == 0 {
			continue // the idle task: its need_resched may come from a wake-up on another CPU, recorded there
		}
		sw := find(recs, i+1, func(r format.Record) bool { return r.Type == format.SchedSwitch })
		if sw < 0 || int32(recs[sw].A) != pid {
			continue // need_resched was gone by then, or the trace ended
		}
		if ex := find(recs, i+1, func(r format.Record) bool {
			return r.Type == format.PreemptScheduleIRQExit && int32(r.A) == pid
		}); ex >= 0 && ex < sw {
			continue // schedule() chose the task again: still the most behind in vruntime
		}
		s := recs[sw]
		seen++
		if s.B&format.StatePreempted == 0 {
			t.Errorf("switch out of preempt_schedule_irq() without the preempted bit: %+v", s)
		}
		if int32(s.C) == pid {
			t.Errorf("switch from pid %d to itself", pid)
		}
		if enter.Flags&format.FlagIRQsOff == 0 {
			t.Errorf("preempt_schedule_irq() entered with interrupts on: %+v", enter)
		}
		// Before it on this CPU: the interrupt's exit, and a
		// need_resched for this pid set by the tick.
		exit, nr := -1, -1
		var since uint64 // the switch that last put a task on CPU 0
		for j := i - 1; j >= 0 && (exit < 0 || nr < 0); j-- {
			if exit < 0 && recs[j].Type == format.IRQExit {
				exit = j
			}
			if nr < 0 && recs[j].Type == format.NeedResched && int32(recs[j].A) == pid {
				nr = j
			}
			if recs[j].Type == format.SchedSwitch {
				since = recs[j].TSC
				break
			}
		}
		need := format.Record{}
		if nr >= 0 {
			need = recs[nr]
		} else {
			// A wake-up on another CPU sets need_resched on CPU 0's
			// task and records it there; its IPI records it again
			// here, unless a tick came first and preempted. The TSC
			// is one counter for every CPU, so "before" holds across
			// rings.
			for c := 1; c < len(cpus) && nr < 0; c++ {
				for j, r := range cpus[c] {
					if r.Type == format.NeedResched && int32(r.A) == pid && r.TSC > since && r.TSC < enter.TSC {
						need, nr = r, j
					}
				}
			}
		}
		if exit < 0 {
			t.Errorf("no irq_exit before preempt_schedule_irq() for pid %d", pid)
		}
		if nr < 0 {
			t.Errorf("no need_resched for pid %d before its preemption", pid)
		} else if need.B != format.ReasonTick && need.B != format.ReasonWakeup && need.B != format.ReasonIPI {
			t.Errorf("need_resched reason %s before a preemption on interrupt return", format.ReasonString(need.B))
		}
		if ex := find(recs, sw+1, func(r format.Record) bool {
			return r.Type == format.PreemptScheduleIRQExit && int32(r.A) == pid
		}); ex >= 0 && recs[ex].B != 1 {
			t.Errorf("preempt_schedule_irq() exit says not switched after a switch: %+v", recs[ex])
		}
	}
	if seen == 0 {
		t.Fatalf("no preempt_schedule_irq() followed by its task's switch-out in %d records on CPU 0", len(recs))
	}
	vec := 0
	for _, r := range recs {
		if r.Type == format.IRQEnter && r.A == amd64.VecTimer {
			vec++
		}
	}
	if vec == 0 {
		t.Errorf("no irq_enter for the timer vector %#x during %d ticks", amd64.VecTimer, r.ticks)
	}
	t.Logf("%d preemptions on interrupt return traced, %d timer interrupts", seen, vec)
}

// A spinner inside preempt_disable(): the tick's need_resched waits, and
// the preemption happens at the preempt_enable(), whose caller and that
// of the preempt_disable() are the spinner's.
func TestTracePreemptionAtPreemptEnable(t *testing.T) {
	var r spinRound
	var recs []format.Record
	var d, e int // the spinner's last preempt_disable() and preempt_enable() records
	// A round in which the preemption did not happen at preempt_enable()
	// shows nothing here, and is tried again. That is the Go runtime's
	// doing (it parked the spinner's thread and took the tick's
	// need_resched first: spin_round_test.go), or an interrupt's: one
	// that came after the enable's decrement and before preempt_schedule()
	// set PREEMPT_ACTIVE preempted the spinner on its return instead. So is a
	// round whose section no longer begins in the ring (overwritten: a
	// spin that lasted long because the host starved QEMU's ticks).
	for round := 1; ; round++ {
		var lost uint64
		var cpus [][]format.Record
		cpus, lost = tracedLost(t, trace.Sched|trace.Preempt|trace.IRQ, func() {
			ktest.WithModel(kernel.PreemptFull, func() {
				r = spinNextToCounter(t, spinSpec{disabled: true, minTime: 400 * time.Millisecond, extraTicks: 2})
			})
		})
		recs = cpus[0] // both kthreads are bound to CPU 0
		var why string
		if r.after.PreemptFromEnable == r.before.PreemptFromEnable {
			why = fmt.Sprintf("not preempted at preempt_enable() (need_resched %v)", r.resched)
		} else {
			// The round's preempt_enable() is the spinner's last one
			// (the void attempts before it enabled too), and its
			// preempt_disable() the last one before it.
			e = lastRecord(recs, len(recs), func(x format.Record) bool { return spinnerEdge(x, format.PreemptEnable, r.pid) })
			d = lastRecord(recs, max(e, 0), func(x format.Record) bool {
				return x.Type == format.PreemptDisable && int32(x.A) == r.pid
			})
			switch {
			case e >= 0 && d >= 0:
			case lost > 0:
				why = fmt.Sprintf("the ring overwrote %d records, the spinner's section among them (a %v spin)", lost, r.spun)
			case e < 0:
				t.Fatalf("no preempt_enable() by the spinner (pid %d) in %d records on CPU 0, none lost", r.pid, len(recs))
			default:
				t.Fatalf("no preempt_disable() before the spinner's preempt_enable(), none lost")
			}
		}
		if why == "" {
			break
		}
		if round == 3 {
			t.Fatalf("in %d rounds none showed a preemption at the spinner's preempt_enable(); the last: %s (%d ticks of %d)",
				round, why, r.ticks, r.needed)
		}
		t.Logf("round %d: %s; again", round, why)
	}
	pid := r.pid
	if name := funcName(recs[d].B); !strings.Contains(name, "spinNextToCounter") {
		t.Errorf("preempt_disable() caller %#x is %s, want the spinner in spinNextToCounter", recs[d].B, name)
	}
	for j := d + 1; j < e; j++ {
		if recs[j].Type == format.PreemptEnable && int32(recs[j].A) == pid {
			t.Fatalf("two preempt_enable() for pid %d without a preempt_disable() between: %+v", pid, recs[j])
		}
	}
	enable := recs[e]
	spun := time.Duration(float64(enable.TSC-recs[d].TSC) / float64(kernel.TSCFrequency()) * 1e9)
	if spun < 350*time.Millisecond {
		t.Errorf("preempt-off section %v between the records, the spin was %v", spun, r.spun)
	}
	nr := false
	for j := d + 1; j < e; j++ {
		switch {
		case recs[j].Type == format.SchedSwitch && int32(recs[j].A) == pid:
			t.Errorf("pid %d switched out inside its preempt-off section: %+v", pid, recs[j])
		case recs[j].Type == format.NeedResched && int32(recs[j].A) == pid && recs[j].B == format.ReasonTick:
			nr = true
		}
	}
	if !nr {
		t.Errorf("no need_resched by the tick inside the %v preempt-off section", spun)
	}
	// The spinner's own next step after its preempt_enable() is
	// preempt_schedule(). Interrupts may come in between (preemption
	// is on from the decrement), and one may even preempt the spinner
	// on its return, after the enable has read need_resched; their
	// records are the handler's and other tasks', and are stepped over.
	i, spans := taskNext(recs, e+1, pid)
	if i < 0 || recs[i].Type != format.PreemptScheduleEnter || int32(recs[i].A) != pid {
		t.Fatalf("the spinner's preempt_enable() (record %d of %d) not followed by its preempt_schedule():\n%s",
			e, len(recs), recordsAround(recs, e, i))
	}
	sw := find(recs, i+1, func(r format.Record) bool { return r.Type == format.SchedSwitch })
	if sw < 0 || int32(recs[sw].A) != pid || recs[sw].B&format.StatePreempted == 0 {
		t.Fatalf("preempt_schedule() (record %d) not followed by pid %d's preempted switch-out:\n%s", i, pid, recordsAround(recs, i, sw))
	}
	ex := find(recs, sw+1, func(r format.Record) bool {
		return r.Type == format.PreemptScheduleExit && int32(r.A) == pid
	})
	if ex >= 0 && recs[ex].B != 1 {
		t.Errorf("preempt_schedule() exit says not switched: %+v", recs[ex])
	}
	t.Logf("preempt-off %v from %s, preempted at preempt_enable() (%d interrupts or preemptions on their return in between)",
		spun, funcName(recs[d].B), spans)
}

// preempt_enable() with need_resched set calls preempt_schedule(), whose
// schedule() may pick the same task again: then nothing was preempted,
// and neither the statistics nor preempt_schedule()'s exit record may say
// so. Each switch counted is one that the trace shows. (A schedule() that
// counted itself as a switch without one made a round of
// TestTracePreemptionAtPreemptEnable count a preemption at
// preempt_enable() when the only one had been on an interrupt's return.)
func TestPreemptScheduleCountsOnlySwitches(t *testing.T) {
	const calls = 200
	var pid int32
	var before, after kernel.TaskStats
	var t0, t1 uint64
	cpus := traced(t, trace.Sched|trace.Preempt, func() {
		ktest.WithModel(kernel.PreemptFull, func() {
			ktest.InKthread(t, "rescheduler", func(k *kernel.Kthread) {
				k.Bind(0)
				me := k.Task()
				pid = me.Pid
				for i := 0; i < calls; i++ {
					kernel.PreemptDisable()
					if i == 0 { // no switch between these two readings
						before, t0 = me.Stats, amd64.Rdtsc()
					}
					kernel.SetTskNeedResched(me)
					kernel.PreemptEnable() // preempt_schedule(), switched or not
				}
				kernel.PreemptDisable()
				after, t1 = me.Stats, amd64.Rdtsc()
				kernel.PreemptEnable()
			})
		})
	})
	switches, exits, enters, wrong := 0, 0, 0, 0
	for _, recs := range cpus {
		open := -1 // the last preempt_schedule() entered
		for j, r := range recs {
			if int32(r.A) != pid || r.TSC < t0 || r.TSC > t1 {
				continue
			}
			switch r.Type {
			case format.SchedSwitch:
				if r.B&format.StatePreempted != 0 {
					switches++
				}
			case format.PreemptScheduleEnter:
				enters++
				open = j
			case format.PreemptScheduleExit:
				if open < 0 {
					continue
				}
				// A switch-out of its own between enter and exit; one
				// on an interrupt's return before PREEMPT_ACTIVE is
				// not preempt_schedule()'s.
				own, irq := false, false
				for _, x := range recs[open+1 : j] {
					switch {
					case int32(x.A) != pid:
					case x.Type == format.PreemptScheduleIRQEnter:
						irq = true
					case x.Type == format.PreemptScheduleIRQExit:
						irq = false
					case x.Type == format.SchedSwitch && !irq:
						own = true
					}
				}
				if (r.B == 1) != own {
					if wrong == 0 {
						t.Errorf("preempt_schedule() exit says switched=%d, but a switch-out of its own between enter and exit: %v\n%s",
							r.B, own, recordsAround(recs, open, j))
					}
					wrong++
				}
				if r.B == 1 {
					exits++
				}
				open = -1
			}
		}
	}
	inv := after.Involuntary - before.Involuntary
	fromEnable := after.PreemptFromEnable - before.PreemptFromEnable
	fromIRQ := after.PreemptFromIRQ - before.PreemptFromIRQ
	t.Logf("%d preempt_schedule() calls (%d traced): %d preempted switch-outs traced; counted %d involuntary, %d at preempt_enable(), %d on interrupt return",
		calls, enters, switches, inv, fromEnable, fromIRQ)
	if wrong > 1 {
		t.Errorf("%d preempt_schedule() exits in all said wrongly whether the task was switched out", wrong)
	}
	if enters < calls {
		t.Errorf("%d preempt_schedule() records for %d calls", enters, calls)
	}
	if inv != uint64(switches) {
		t.Errorf("%d involuntary switches counted, %d traced", inv, switches)
	}
	if fromEnable != uint64(exits) {
		t.Errorf("%d preemptions at preempt_enable() counted, %d preempt_schedule() exits that switched", fromEnable, exits)
	}
	if fromEnable+fromIRQ > inv { // cond_resched() on a system call's return counts in neither
		t.Errorf("%d preemptions at preempt_enable() and %d on interrupt return, but %d involuntary switches", fromEnable, fromIRQ, inv)
	}
}

// spinnerEdge reports whether x is pid's preempt_disable() or
// preempt_enable() (typ) called by the spinner in spinNextToCounter.
func spinnerEdge(x format.Record, typ format.Type, pid int32) bool {
	return x.Type == typ && int32(x.A) == pid && strings.Contains(funcName(x.B), "spinNextToCounter")
}

// lastRecord returns the index of the last record before end on recs
// that matches, or -1.
func lastRecord(recs []format.Record, end int, match func(r format.Record) bool) int {
	for i := end - 1; i >= 0; i-- {
		if match(recs[i]) {
			return i
		}
	}
	return -1
}

// taskNext returns the index of the first record at or after i on one
// CPU's recs that the code of pid, running there, made itself, and the
// spans it stepped over to get there: interrupt handlers (irq_enter to
// irq_exit, nested) and a preemption of pid on an interrupt's return
// (preempt_schedule_irq()'s enter to its exit for pid, other tasks'
// records in between). -1 if the records end first. The IRQ class must
// have been traced.
func taskNext(recs []format.Record, i int, pid int32) (next, spans int) {
	depth := 0
	for ; i < len(recs); i++ {
		switch r := recs[i]; {
		case r.Type == format.IRQEnter:
			if depth == 0 {
				spans++
			}
			depth++
		case r.Type == format.IRQExit && depth > 0:
			depth--
		case depth > 0:
		case r.Type == format.PreemptScheduleIRQEnter && int32(r.A) == pid:
			spans++
			i = find(recs, i+1, func(x format.Record) bool {
				return x.Type == format.PreemptScheduleIRQExit && int32(x.A) == pid
			})
			if i < 0 {
				return -1, spans
			}
		default:
			return i, spans
		}
	}
	return -1, spans
}

// recordsAround formats recs[from-3 .. to+3] (to < 0: a few after from),
// for a failure's message.
func recordsAround(recs []format.Record, from, to int) string {
	if to < from {
		to = from + 12
	}
	var b strings.Builder
	for j := max(from-3, 0); j <= to+3 && j < len(recs); j++ {
		r := recs[j]
		fmt.Fprintf(&b, "  %d: %s A=%d B=%#x C=%#x TSC=%d flags=%#x\n", j, r.Type, r.A, r.B, r.C, r.TSC, r.Flags)
	}
	return b.String()
}

// Only the classes enabled are recorded, and nothing once stopped.
func TestTraceClasses(t *testing.T) {
	cpus := traced(t, trace.IRQ, func() { time.Sleep(50 * time.Millisecond) })
	n := 0
	for _, recs := range cpus {
		for _, r := range recs {
			switch r.Type {
			case format.IRQEnter, format.IRQExit, format.IPISend, format.IPIRecv,
				format.IRQsOff, format.IRQsOn: // local_irq_* edges belong to the class too
			default:
				t.Fatalf("trace=irq recorded %s", r.Type)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatalf("trace=irq recorded nothing in 50 ms")
	}
	before, _ := trace.Records(0)
	time.Sleep(20 * time.Millisecond)
	after, _ := trace.Records(0)
	if len(after) != len(before) {
		t.Errorf("a stopped trace grew from %d to %d records", len(before), len(after))
	}
	if c, ok := trace.ParseClasses("sched,irq"); !ok || c != trace.Sched|trace.IRQ {
		t.Errorf("ParseClasses(sched,irq) = %v, %v", c, ok)
	}
}

// The hooks' cost with tracing off and on: a preempt_disable/enable pair.
func BenchmarkPreemptPairTraceOff(b *testing.B) {
	trace.Stop()
	for i := 0; i < b.N; i++ {
		kernel.PreemptDisable()
		kernel.PreemptEnable()
	}
}

func BenchmarkPreemptPairTraceOn(b *testing.B) {
	trace.Enable(trace.Preempt)
	trace.Start()
	defer trace.Stop()
	for i := 0; i < b.N; i++ {
		kernel.PreemptDisable()
		kernel.PreemptEnable()
	}
}

// System calls are recorded with their number and result, and only the
// numbers the filter lets through.
func TestTraceSyscall(t *testing.T) {
	const sysGetpid, sysGettid = 39, 186
	trace.SetSyscallFilter(sysGetpid)
	defer trace.SetSyscallFilter()
	var pid int32
	var got int
	cpus := traced(t, trace.Syscall, func() {
		ktest.InKthread(t, "syscaller", func(k *kernel.Kthread) {
			pid = k.Task().Pid
			for i := 0; i < 3; i++ {
				got = syscall.Getpid()
				syscall.Gettid()
			}
		})
	})
	enters, exits := 0, 0
	for _, recs := range cpus {
		for _, r := range recs {
			if r.B != sysGetpid {
				t.Fatalf("the filter let system call %d through: %+v", r.B, r)
			}
			if int32(r.A) != pid {
				continue // the runtime's own getpid on another thread
			}
			switch r.Type {
			case format.SyscallEnter:
				enters++
			case format.SyscallExit:
				exits++
				if int(int64(r.C)) != got {
					t.Errorf("sys_exit getpid returned %d, the call saw %d", int64(r.C), got)
				}
			}
		}
	}
	if enters < 3 || exits < 3 {
		t.Errorf("%d sys_enter and %d sys_exit getpid for pid %d, want 3 of each", enters, exits, pid)
	}
}

// latencyRun runs fn under latency tracer lt (with classes c recorded)
// and returns the longest section, its report, and the pid fn ran as.
func latencyRun(t *testing.T, lt trace.LatencyTracer, c trace.Class, fn func()) (trace.LatencyMax, string, int32) {
	t.Helper()
	old := trace.Enabled()
	trace.Enable(c)
	trace.SetLatencyTracer(lt)
	defer func() { trace.SetLatencyTracer(trace.NoLatencyTracer); trace.Enable(old) }()
	var pid int32
	if !trace.Start() {
		t.Fatal("trace.Start: no memory for the rings")
	}
	ktest.InKthread(t, "latency", func(k *kernel.Kthread) {
		pid = k.Task().Pid
		fn()
	})
	trace.Stop()
	m := trace.MaxLatency()
	var b strings.Builder
	m.Report(&b, "preempt", func(p int32) string {
		if p == pid {
			return "latency"
		}
		return "task"
	})
	return m, b.String(), pid
}

func checkReport(t *testing.T, report, tracer string) {
	t.Helper()
	for _, want := range []string{"# tracer: " + tracer + "\n", "# latency: ", " us, #", ", CPU#", "| (M:preempt VP:0, KP:0, SP:0 HP:0 #P:",
		"_------=> CPU#", "irqs-off", "need-resched", "hardirq/softirq", "preempt-depth"} {
		if !strings.Contains(report, want) {
			t.Errorf("the %s report lacks %q:\n%s", tracer, want, report)
		}
	}
}

// sectionRound runs fn, which opens and closes one section and returns
// its length as it measured it with the TSC, under latency tracer lt, up
// to five times. The host can stall QEMU inside any of the kernel's own
// short irqs-off or preempt-off sections, so that one of them becomes
// longer than the test's; such a round says nothing about the tracer and
// is run again. A round whose longest section is the test's, within 10%,
// passes; a tracer that measured the test's section short fails at once.
func sectionRound(t *testing.T, lt trace.LatencyTracer, c trace.Class, fn func() time.Duration) (trace.LatencyMax, string, time.Duration) {
	t.Helper()
	var got, want time.Duration
	var report string
	for round := 1; round <= 5; round++ {
		var m trace.LatencyMax
		var pid int32
		m, report, pid = latencyRun(t, lt, c, func() { want = fn() })
		got = time.Duration(float64(m.TSC) / float64(kernel.TSCFrequency()) * 1e9)
		switch {
		case m.Pid == pid && got >= want*9/10 && got <= want*11/10:
			return m, report, want
		case m.Pid == pid && got < want*9/10:
			t.Fatalf("the tracer measured %v for the test's section of %v:\n%s", got, want, report)
		}
		t.Logf("round %d: the longest section (%v, pid %d) was not the test's (%v, pid %d); again", round, got, m.Pid, want, pid)
	}
	t.Fatalf("in five rounds the longest section was never the test's (last: %v against %v):\n%s", got, want, report)
	panic("unreachable")
}

// The preemptoff tracer measures a preempt-off section of known length
// within 10%, and names the function that opened and closed it.
func TestPreemptoffTracer(t *testing.T) {
	const spun = 100 * time.Millisecond
	m, report, want := sectionRound(t, trace.PreemptOffTracer, trace.Preempt, func() time.Duration {
		kernel.PreemptDisable()
		t0 := amd64.Rdtsc()
		ktest.Spin(spun)
		t1 := amd64.Rdtsc()
		kernel.PreemptEnable()
		return time.Duration(float64(t1-t0) / float64(kernel.TSCFrequency()) * 1e9)
	})
	if want < spun {
		t.Errorf("the section lasted %v, shorter than its %v spin", want, spun)
	}
	checkReport(t, report, "preemptoff")
	for _, at := range []string{"=> started at: kernel_test.TestPreemptoffTracer", "=> ended at:   kernel_test.TestPreemptoffTracer"} {
		if !strings.Contains(report, at) {
			t.Errorf("report lacks %q:\n%s", at, report)
		}
	}
	t.Logf("preemptoff: %v\n%s", time.Duration(float64(m.TSC)/float64(kernel.TSCFrequency())*1e9), report)
}

// The irqsoff tracer measures a local_irq_save() section of known length.
func TestIRQsoffTracer(t *testing.T) {
	const spun = 20 * time.Millisecond
	_, report, _ := sectionRound(t, trace.IRQsOffTracer, trace.IRQ, func() time.Duration {
		fl := kernel.LocalIrqSave()
		t0 := amd64.Rdtsc()
		ktest.Spin(spun)
		t1 := amd64.Rdtsc()
		kernel.LocalIrqRestore(fl)
		return time.Duration(float64(t1-t0) / float64(kernel.TSCFrequency()) * 1e9)
	})
	checkReport(t, report, "irqsoff")
}

// The wakeup tracer measures a wake-up to its switch-in, and its events
// end with that switch.
func TestWakeupTracer(t *testing.T) {
	m, report, _ := latencyRun(t, trace.WakeupTracer, trace.Sched, func() {
		for i := 0; i < 5; i++ {
			time.Sleep(2 * time.Millisecond)
		}
	})
	if m.TSC == 0 || len(m.Records) == 0 {
		t.Fatalf("no wake-up latency recorded:\n%s", report)
	}
	last := m.Records[len(m.Records)-1]
	if last.Type != format.SchedSwitch || int32(last.C) != m.Pid || int(last.CPU) != m.CPU {
		t.Errorf("the section does not end with pid %d's switch-in on CPU %d: %+v", m.Pid, m.CPU, last)
	}
	checkReport(t, report, "wakeup")
}

// An IPI send is an interrupts-off section of the kernel's own
// (local_irq_save in smp_ipi.go, around the device's send), so the
// irqsoff latency tracer sees it: its IPISend record comes right after
// an IRQsOff edge and right before an IRQsOn edge on the sending CPU,
// the edges the tracer's sections are made of (trace.IRQsOff, IRQsOn).
// Sends the kernel makes from interrupt handlers, where interrupts are
// off already, have no edges of their own; so the test counts the sends
// inside a section of their own, at least the kthread's. The device
// counts sends made with interrupts on, which must stay none.
func TestTraceIPISendIsIRQsOffSection(t *testing.T) {
	const sends = 20
	target := kernel.OnlineCPUs() - 1 // itself on one CPU
	before := lapic.SendsWithInterruptsOn()
	cpus := traced(t, trace.IRQ, func() {
		ktest.InKthread(t, "ipisender", func(k *kernel.Kthread) {
			for i := 0; i < sends; i++ {
				kernel.SmpSendReschedule(target)
			}
		})
	})
	found, all := 0, 0
	for _, recs := range cpus {
		for i, r := range recs {
			if r.Type != format.IPISend || r.A != amd64.VecResched {
				continue
			}
			all++
			if i > 0 && i+1 < len(recs) && recs[i-1].Type == format.IRQsOff && recs[i+1].Type == format.IRQsOn {
				found++
			}
		}
	}
	if found < sends {
		t.Errorf("%d of %d reschedule IPI sends were inside an irqs-off section of their own; the test made %d", found, all, sends)
	}
	if n := lapic.SendsWithInterruptsOn() - before; n != 0 {
		t.Errorf("%d IPIs were sent with interrupts on", n)
	}
}
