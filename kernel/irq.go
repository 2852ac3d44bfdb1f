package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/dev/ioapic"
	"gopreempt/dev/lapic"
	"gopreempt/trace"
)

// The kernel's interrupt layer: irq_enter/irq_exit, the table of
// device handlers by vector, and the one function every device interrupt
// and IPI goes through (Linux's common_interrupt and handle_irq, and
// irq_enter/irq_exit of kernel/softirq.c). The kernel's own vectors, the
// local APIC timer and the IPIs, are called by name, as Linux gives its
// system vectors their own entry points (DEFINE_IDTENTRY_SYSVEC); the
// table is for the devices a driver asks for (request_irq). The devices themselves are
// drivers below the kernel (dev/lapic, dev/ioapic); the vectors are
// arch's (arch/amd64/irq_vectors.go).
//
// A timer interrupt, as the calls read: the vector's stub and trapCommon
// (arch/amd64/entry_amd64.s) build the frame, amd64.trap calls
// HandleTrap (entry.go), which calls handleIRQ here; handleIRQ enters
// hardirq context and calls the timer's handler, timerInterrupt, which
// runs hrtimerInterrupt (hrtimer.go) and, among the expired timers, the
// scheduler tick (tick_sched.go, tick.go); then EOI and irq_exit, and
// HandleTrap goes back out through irqentryExit (entry.go), where
// preempt_schedule_irq may run.
//
// Interrupt context: everything reached from handleIRQ runs in hardirq
// context with interrupts off: no allocation, no heap pointer writes, no
// blocking.

// IRQHandler is a device interrupt handler.
type IRQHandler func()

var irqHandlers [256]IRQHandler

// IRQCounts counts interrupts per vector, for /proc/interrupts-style
// reports and for tests that need to know a tick happened.
var IRQCounts [256]uint64

// requestIRQ installs h for vector v (request_irq). Boot time only,
// before interrupts are on.
func requestIRQ(v int, h IRQHandler) { irqHandlers[v] = h }

// EnableDeviceIRQ routes ISA/GSI interrupt n to vector VecIOAPIC+n on the
// boot CPU and installs h for it. Boot time only.
func EnableDeviceIRQ(n int, h IRQHandler) {
	requestIRQ(amd64.VecIOAPIC+n, h)
	ioapic.EnableInterrupt(n, amd64.VecIOAPIC+n)
}

// irqEnter marks the start of a hardware interrupt handler: it adds
// HARDIRQ_OFFSET to the interrupted task's preempt_count, so that
// in_irq(), in_interrupt() and in_atomic() are true inside the handler and
// neither the handler nor anything it calls can schedule.
func irqEnter() { addPreemptCountRaw(Current(), HARDIRQ_OFFSET) }

// irqExit ends it. The decision to preempt comes after, on the return
// path (irqentryExit, entry.go), once the count is back to what the
// interrupted code had.
func irqExit() { subPreemptCountRaw(Current(), HARDIRQ_OFFSET) }

// handleIRQ is the interrupt path for every vector from 32 up.
func handleIRQ(f *amd64.TrapFrame) {
	v := f.Vector
	IRQCounts[v&255]++
	countIRQ(v) // irq_stats.go
	// A halted idle CPU's tick restarts first; the vector that ended
	// the halt is counted.
	if tickIrqEnter() {
		countIdleEnd(v)
	}
	if v == amd64.VecSpurious {
		// Spurious interrupts get no EOI (SDM Vol. 3A, 11.9).
		return
	}
	irqEnter()
	trace.IRQEnter(v, f.RIP)
	if v >= amd64.VecResched {
		trace.IPIRecv(uint32(v))
		if v == amd64.VecResched {
			traceReschedIPI()
		}
	}
	switch v {
	case amd64.VecTimer:
		timerInterrupt() // sysvec_apic_timer_interrupt
	case amd64.VecResched:
		schedulerIPI() // sysvec_reschedule_ipi: the work is on the return path
	case amd64.VecTLB:
		tlbInterrupt()
	default:
		if h := irqHandlers[v&255]; h != nil {
			h()
		} else {
			Pr(KERN_WARNING).S("irq: unexpected interrupt on vector ").U(v).Emit()
		}
	}
	lapic.EOI()
	trace.IRQExit(v)
	irqExit()
}

// timerInterrupt is the local APIC timer's handler: the clock event,
// which runs the expired high-resolution timers, the tick among them
// (clockevents.go, hrtimer.go).
func timerInterrupt() { hrtimerInterrupt() }
