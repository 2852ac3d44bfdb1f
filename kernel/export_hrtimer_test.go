package kernel

import "gopreempt/percpu"

// TimerEventOf returns what CPU cpu's timer device is programmed for
// (0: nothing) and its tick timer's expiry and whether it is queued,
// read together under the base's lock (smp_test.go).
func TimerEventOf(cpu int) (next, tick uint64, tickQueued bool) {
	b := percpu.PerCPU(hrtimerBases, cpu)
	fl := b.lock.Lock()
	t := percpu.PerCPU(tickTimers, cpu)
	next, tick, tickQueued = b.nextEvent, t.expires, t.armed || b.running == t.addr()
	b.lock.Unlock(fl)
	return
}
