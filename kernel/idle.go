package kernel

import "gopreempt/arch/amd64"

// The idle task. Each CPU's boot context becomes its idle task: it runs
// when no other task is runnable, and halts the CPU until the next
// interrupt (no busy-waiting). An interrupt that wakes a task sets
// need_resched on the idle task (wake.go), and the idle loop schedules.
//
// HLT must not be reached with a wake-up already pending, or the CPU would
// sleep until the next tick with work waiting: Halt is STI;HLT, and the
// check runs with interrupts off, so no interrupt can fall in between
// (SDM Vol. 2B, STI: interrupts are recognized after the next instruction).
func cpuIdle() {
	rq := thisRQ()
	for {
		amd64.Cli()
		if NeedResched() || rq.nrRunning > 0 {
			amd64.Sti()
			schedule()
			continue
		}
		if loadBalance(rq) {
			amd64.Sti()
			continue
		}
		rq.Stats.IdleHalts++
		tickNohzIdleEnter(rq) // NO_HZ_IDLE: tick_sched.go
		amd64.Halt()
		tickNohzIdleExit()
	}
}
