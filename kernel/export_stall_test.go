package kernel

import "gopreempt/percpu"

// The stall detector's rules, for the kernel-mode tests (stall_test.go):
// each is asked about one CPU or task at a chosen time, so that a test
// can show what a rule sees without stalling the machine.

func StallHardLockup(cpu int, now, limit uint64) (uint64, bool) {
	return cpuHardLockup(cpu, now, limit)
}
func StallSoftLockup(cpu int, now, limit uint64) (uint64, bool) {
	return cpuSoftLockup(cpu, now, limit)
}
func StallStarved(t *Task, now, limit uint64) (uint64, bool)   { return taskStarved(t, now, limit) }
func StallOverslept(t *Task, now, limit uint64) (uint64, bool) { return taskOverslept(t, now, limit) }

// StallFind is the whole scan: the kind of its first finding (0: none).
func StallFind(now, limit uint64) int { return findStall(now, limit).kind }

// StallLastTick is when cpu last took a tick.
func StallLastTick(cpu int) uint64 { return percpu.PerCPU(stallCPUs, cpu).lastTick.Load() }

// Queued and Running report whether t is on a run queue, on a CPU.
func (t *Task) Queued() bool  { return t.onRQ }
func (t *Task) Running() bool { return t.onCPU }

// TimerArmed reports whether t's sleep timer is armed.
func (t *Task) TimerArmed() bool { return t.timer.armed }
