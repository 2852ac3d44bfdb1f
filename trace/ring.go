package trace

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/mm"
	"gopreempt/percpu"
	"gopreempt/trace/format"
)

// The per-CPU ring buffers.
//
// A ring is RingPages frames, not necessarily contiguous: record i lives
// in page (i / perPage) % RingPages at slot i % perPage. head counts every
// record ever written since Start, so head - capacity records were
// overwritten once head passes the capacity.

// RingPages is the size of each CPU's ring in 4 KiB pages (1 MiB: 32768
// records, a few seconds of the per-CPU demo with every class on).
const RingPages = 256

const (
	perPage  = mm.PageSize / format.RecordSize
	capacity = RingPages * perPage
)

// MaxCPUs bounds the CPU numbers the tracer keeps rings for.
const MaxCPUs = percpu.MaxCPUs

type ring struct {
	pages [RingPages]uintptr // virtual addresses of the frames; 0: not allocated
	head  uint64             // records written since Start
	busy  uint32             // inside a write (read by Stop on other CPUs)
}

// Each CPU's ring is a per-CPU variable, rings (percpu.go): this CPU's
// is GS-relative, another CPU's (Stop, the drain) per_cpu.

// slot returns record i's place in r.
//
//go:nosplit
func (r *ring) slot(i uint64) *format.Record {
	p := r.pages[(i/perPage)%RingPages]
	return (*format.Record)(addr.Ptr(p + uintptr(i%perPage)*format.RecordSize))
}

// allocRings gives CPUs 0..n-1 their frames (once; task context). It
// reports false if memory ran out.
func allocRings(n int) bool {
	for cpu := 0; cpu < n && cpu < MaxCPUs; cpu++ {
		r := percpu.PerCPU(rings, cpu)
		for i := range r.pages {
			if r.pages[i] != 0 {
				continue
			}
			pa := mm.AllocFrame()
			if pa == 0 {
				return false
			}
			r.pages[i] = mm.PhysToVirt(pa)
		}
	}
	return true
}

// emit records one event on this CPU. Any context.
//
//go:nosplit
func emit(typ format.Type, a uint32, b, c uint64) {
	fl := amd64.Flags()
	amd64.Cli()
	cpu := percpu.RawSmpProcessorID()
	if cpu < MaxCPUs {
		r := percpu.PerCPU(rings, cpu)
		if r.pages[0] != 0 {
			atomic.StoreUint32(&r.busy, 1)
			i := r.head
			rec := r.slot(i)
			rec.TSC = amd64.Rdtsc()
			rec.Type = typ
			rec.Flags = 0
			if fl&amd64.FlagIF == 0 {
				rec.Flags = format.FlagIRQsOff
			}
			rec.CPU = uint16(cpu)
			rec.A, rec.B, rec.C = a, b, c
			r.head = i + 1
			atomic.StoreUint32(&r.busy, 0)
		}
	}
	if fl&amd64.FlagIF != 0 {
		amd64.Sti()
	}
}

// reset empties every ring. Tracing must be stopped.
func reset() {
	for i := 0; i < MaxCPUs; i++ {
		percpu.PerCPU(rings, i).head = 0
	}
}

// waitQuiet waits until no CPU is inside emit.
func waitQuiet() {
	for i := 0; i < MaxCPUs; i++ {
		for atomic.LoadUint32(&percpu.PerCPU(rings, i).busy) != 0 {
			amd64.Pause()
		}
	}
}

// span returns the first and end indices of the records r still holds.
func (r *ring) span() (first, end uint64) {
	end = r.head
	if end > capacity {
		first = end - capacity
	}
	return first, end
}
