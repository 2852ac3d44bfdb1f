package kernel

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
)

// TLB shootdown. A CPU caches translations in its TLB, and INVLPG only
// flushes the CPU that executes it (SDM Vol. 3A, 4.10.5). When memory is
// unmapped on one CPU, every other CPU must drop its cached translation
// before the frame can be reused, or it could keep writing into memory
// that now belongs to something else. Before a frame or a stack slot is
// reused, a CPU flushes its own TLB and sends an IPI to all others; each
// reloads CR3 (flushing its non-global entries) and acknowledges; the
// sender waits for every acknowledgement with interrupts on, so that two
// CPUs shooting down at once serve each other.
//
// mm decides when (before it reuses a frame or a stack slot) and calls
// this through mm.TLBShootdown (boot/hooks.go installs it): mm sits below
// the kernel, which needs it for page faults and stacks, and the
// shootdown needs preempt_disable and the online CPUs, which are the
// kernel's. The shootdown calls the IPI sender directly.

var tlb struct {
	busy atomic.Uint32
	acks atomic.Int32
}

func tlbInterrupt() {
	amd64.WriteCR3(amd64.ReadCR3())
	tlb.acks.Add(1)
}

// FlushTLBAll flushes the TLBs of every online CPU, this one included.
// The caller is not necessarily the CPU that unmapped the pages: a dead
// task's stack is unmapped (with INVLPG there) by whichever CPU reaps it,
// and the slot is recycled later by whichever CPU next needs a stack. If
// the recycling CPU had once run the dead task, its own TLB still holds
// the old translations, and after the slot is mapped again it would read
// and write the old frames through them.
//
// Preemption is off throughout: a caller moved to another CPU between
// its own flush and the IPI would leave that CPU out of both.
// Kernel context, interrupts on.
func FlushTLBAll() {
	PreemptDisable()
	defer PreemptEnable()
	amd64.WriteCR3(amd64.ReadCR3())
	n := OnlineCPUs()
	if n == 1 {
		return
	}
	for !tlb.busy.CompareAndSwap(0, 1) {
		amd64.Pause()
	}
	tlb.acks.Store(0)
	sendIPIAllButSelf(amd64.VecTLB)
	for tlb.acks.Load() < int32(n-1) {
		amd64.Pause()
	}
	tlb.busy.Store(0)
}
