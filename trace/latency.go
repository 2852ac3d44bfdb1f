package trace

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
	"gopreempt/percpu"
	"gopreempt/trace/format"
)

// The latency tracers, as ftrace's (Documentation/trace/ftrace.rst,
// "irqsoff", "preemptoff", "preemptirqsoff", "wakeup"): each watches one
// kind of section and keeps the longest it has seen since it was
// chosen, with the call sites that started and ended it and the events
// recorded inside it.
//
//	irqsoff         interrupts off: a hardware interrupt handler (from
//	                irq_enter to irq_exit), local_irq_disable/enable and
//	                local_irq_save/restore
//	preemptoff      the outermost preempt_disable() to preempt_enable()
//	preemptirqsoff  either of the two, as one section
//	wakeup          from a task's wake-up to its switch-in on the CPU
//	                the wake-up chose
//
// They run on the event hooks (events.go) and so need their classes
// recorded: SetLatencyTracer adds them to the selection. The sections
// are tracked per CPU, by that CPU with interrupts off, like the rings;
// a wake-up is claimed on its target CPU with a compare-and-swap, since
// the waker runs elsewhere. A new longest section is copied out under a
// try-lock: a CPU that finds another copying keeps going and loses only
// that candidate. The raw-lock spins of the kernel's own RawLock (run
// queues, the console) are not seen: arch/amd64 cannot call up here.

// LatencyTracer names a latency tracer.
type LatencyTracer int

const (
	NoLatencyTracer LatencyTracer = iota
	IRQsOffTracer
	PreemptOffTracer
	PreemptIRQsOffTracer
	WakeupTracer
)

var latencyNames = [...]string{"nop", "irqsoff", "preemptoff", "preemptirqsoff", "wakeup"}

func (t LatencyTracer) String() string {
	if t >= 0 && int(t) < len(latencyNames) {
		return latencyNames[t]
	}
	return "?"
}

// MaxLatencyRecords bounds the events kept with the longest section:
// the last ones before its end.
const MaxLatencyRecords = 128

// LatencyMax is the longest section a tracer has seen.
type LatencyMax struct {
	Tracer         LatencyTracer
	TSC            uint64 // its length in TSC ticks; 0: none yet
	StartTSC       uint64
	CPU            int
	Pid            int32 // the task it started in (wakeup: the woken task)
	StartPC, EndPC uint64
	Records        []format.Record // the events inside it, oldest first (Latency's copy)
	records        [MaxLatencyRecords]format.Record
	n, total       int
}

type latCPU struct {
	preemptOff, irqsOff bool
	start, startPC      uint64
	startIdx            uint64
	startPid            int32
	// wakeup: the woken task this CPU is to switch to. wakeState is 0
	// (none), -1 (being claimed) or the pid.
	wakeState int32
	wakeTSC   uint64
	wakeIdx   uint64
}

var (
	latTracer LatencyTracer
	latMax    LatencyMax
	latBusy   uint32
)

// currentPid names the running task for edges whose hook does not know
// it (interrupts): kernel.TracePid, installed by boot/hooks.go.
var currentPid = func() int32 { return -1 }

// SetCurrentPid installs the kernel's current-pid function: nosplit-safe,
// any context. Boot time only.
func SetCurrentPid(fn func() int32) { currentPid = fn }

// SetLatencyTracer chooses the latency tracer and forgets the longest
// section seen so far; the classes it needs are added to the selection.
// Call it while tracing is stopped.
// The kernel API for a latency tracer: tests (kernel/trace_test.go) and programs built on the kernel call it.
func SetLatencyTracer(t LatencyTracer) {
	latTracer = t
	latMax = LatencyMax{}
	for cpu := 0; cpu < MaxCPUs; cpu++ {
		*percpu.PerCPU(latCPUs, cpu) = latCPU{}
	}
	switch t {
	case IRQsOffTracer:
		selected |= IRQ
	case PreemptOffTracer:
		selected |= Preempt
	case PreemptIRQsOffTracer:
		selected |= IRQ | Preempt
	case WakeupTracer:
		selected |= Sched
	}
}

// MaxLatency returns the longest section the chosen tracer has seen.
// Tracing must be stopped. Task context.
// See SetLatencyTracer.
func MaxLatency() LatencyMax {
	m := latMax
	m.Records = append([]format.Record(nil), latMax.records[:latMax.n]...)
	return m
}

func (c *latCPU) inSection() bool {
	switch latTracer {
	case IRQsOffTracer:
		return c.irqsOff
	case PreemptOffTracer:
		return c.preemptOff
	case PreemptIRQsOffTracer:
		return c.irqsOff || c.preemptOff
	}
	return false
}

const (
	edgePreempt = iota
	edgeIRQ
)

// latencyEdge notes that preemption (edgePreempt) or interrupts
// (edgeIRQ) went off (off) or back on, at pc, on this CPU. Any context.
//
//go:nosplit
func latencyEdge(edge int, off bool, pc uint64, pid int32) {
	if latTracer == NoLatencyTracer || latTracer == WakeupTracer {
		return
	}
	fl := amd64.Flags()
	amd64.Cli()
	cpu := percpu.RawSmpProcessorID()
	if cpu < MaxCPUs {
		c := percpu.PerCPU(latCPUs, cpu)
		if edge == edgeIRQ && off && c.irqsOff {
			// Interrupts were on after all: something turned them
			// back on without a hook (a raw lock, schedule()).
			// The stale section is dropped, and this one starts.
			c.irqsOff = false
		}
		before := c.inSection()
		if edge == edgePreempt {
			c.preemptOff = off
		} else {
			c.irqsOff = off
		}
		after := c.inSection()
		now := amd64.Rdtsc()
		if pid < 0 {
			pid = currentPid()
		}
		switch {
		case !before && after:
			c.start, c.startPC, c.startPid = now, pc, pid
			c.startIdx = atomic.LoadUint64(&percpu.PerCPU(rings, cpu).head) - 1 // the edge's own record
		case before && !after:
			noteLatency(int(cpu), c.startPid, c.start, now, c.startPC, pc, c.startIdx)
		}
	}
	if fl&amd64.FlagIF != 0 {
		amd64.Sti()
	}
}

// latencyWakeup and latencySwitch drive the wakeup tracer: a wake-up of
// pid onto CPU target is claimed if that CPU has none pending; its
// switch-in there ends the section. Any context.
//
//go:nosplit
func latencyWakeup(pid int32, target int) {
	if latTracer != WakeupTracer || target < 0 || target >= MaxCPUs || pid <= 0 {
		return
	}
	c := percpu.PerCPU(latCPUs, target)
	if !atomic.CompareAndSwapInt32(&c.wakeState, 0, -1) {
		return
	}
	c.wakeTSC = amd64.Rdtsc()
	c.wakeIdx = atomic.LoadUint64(&percpu.PerCPU(rings, target).head)
	atomic.StoreInt32(&c.wakeState, pid)
}

//go:nosplit
func latencySwitch(next int32) {
	if latTracer != WakeupTracer {
		return
	}
	cpu := percpu.RawSmpProcessorID()
	if cpu >= MaxCPUs {
		return
	}
	c := percpu.PerCPU(latCPUs, cpu)
	if atomic.LoadInt32(&c.wakeState) != next || next <= 0 {
		return
	}
	noteLatency(int(cpu), next, c.wakeTSC, amd64.Rdtsc(), 0, 0, c.wakeIdx)
	atomic.StoreInt32(&c.wakeState, 0)
}

// noteLatency keeps the section [start, end) on cpu if it is the
// longest yet, with the cpu's records from index from to its head (the
// hooks record the section's last event before they call here).
// Interrupts are off.
//
//go:nosplit
func noteLatency(cpu int, pid int32, start, end, startPC, endPC, from uint64) {
	d := end - start
	if d <= atomic.LoadUint64(&latMax.TSC) || !atomic.CompareAndSwapUint32(&latBusy, 0, 1) {
		return
	}
	if d > latMax.TSC {
		r := percpu.PerCPU(rings, cpu)
		to := atomic.LoadUint64(&r.head)
		first := from
		if to-first > MaxLatencyRecords {
			first = to - MaxLatencyRecords
		}
		if to > capacity && first < to-capacity {
			first = to - capacity
		}
		n := 0
		if r.pages[0] != 0 {
			for i := first; i < to; i++ {
				latMax.records[n] = *r.slot(i)
				n++
			}
		}
		latMax.Tracer, latMax.StartTSC, latMax.CPU, latMax.Pid = latTracer, start, cpu, pid
		latMax.StartPC, latMax.EndPC = startPC, endPC
		latMax.n, latMax.total = n, int(to-from)
		atomic.StoreUint64(&latMax.TSC, d)
	}
	atomic.StoreUint32(&latBusy, 0)
}
