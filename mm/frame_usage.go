package mm

import "math/bits"

// Frame usage by owner, for leak checks. A check that computes "frames
// outside the Go heap" as total - free - resident - page tables from
// separate calls races with the runtime, which gives memory back with
// MADV_DONTNEED at any time (its background scavenger in pieces of
// 64 KiB, 16 frames): such frames leave the resident count at once
// but reach the free count only after a TLB shootdown (flushZombies),
// which under a loaded host can take milliseconds. In that window they
// are neither resident nor free, and a check reading then sees 16 frames
// "leaked". Dead tasks' kernel stacks wait the same way (kstack.go).
//
// FrameUsage takes space.lock and then frames.lock (the order AllocFrame
// under space.lock already sets) and reads every count at once; frames
// awaiting a shootdown are counted apart, as Pending, so that a frame is
// in exactly one of Free, Resident, PageTables, Pending or the rest.
// Task context.

// FrameUsage is a snapshot of where the frames are.
type FrameUsage struct {
	Total, Free  uint64
	Resident     uint64 // the runtime's pages backed by a frame
	PageTables   uint64 // tables walk created (never freed)
	Pending      uint64 // unmapped, awaiting a TLB shootdown before they are freed
	KernelStacks uint64 // frames of mapped kernel and IST stacks (not quarantined)
}

// Usage returns a consistent FrameUsage.
func Usage() FrameUsage {
	var u FrameUsage
	fl := space.lock.Lock()
	ff := frames.lock.Lock()
	u.Total, u.Free = frames.total, frames.free
	frames.lock.Unlock(ff)
	u.Resident, u.PageTables = space.resident, space.tables
	u.Pending = uint64(zombies.n + zombies.inflight)
	n := 0
	for i := range kstacks.used {
		n += bits.OnesCount64(kstacks.used[i] &^ kstacks.quarantine[i])
	}
	u.KernelStacks = uint64(n) * KStackSize / PageSize
	space.lock.Unlock(fl)
	return u
}
