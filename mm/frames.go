// Package mm manages memory: physical page frames (this file), the kernel
// page tables (pagetable.go), the kernel-stack region (kstack.go) and the
// address space the Go runtime asks for with mmap (vma.go, fault.go).
//
// All of it runs in kernel context, often with interrupts off: it never
// allocates from the Go heap. Its state is fixed-size arrays in the
// kernel image's BSS, and frames reached through the identity map.
package mm

import (
	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
)

// PageSize is the size of a frame and of a small page (SDM Vol. 3A, 4.5).
const PageSize = 4096

// maxPhys bounds the physical memory the allocator manages: 16 GiB, so
// the bitmap (one bit per frame) is 512 KiB of BSS. Memory above it is
// reported at boot and left unused.
const maxPhys = 16 << 30

const maxFrames = maxPhys / PageSize

// The frame allocator is a bitmap, one bit per 4 KiB frame, set when the
// frame is in use or not RAM. A bitmap suits a teaching kernel: its state
// can be printed and checked, and freeing is one bit. Allocation scans
// from a moving hint (next fit), so the common case is O(1).
var frames struct {
	lock  amd64.RawLock
	used  [maxFrames / 64]uint64
	hint  uint64 // frame number where the next search starts
	limit uint64 // frames above this are not RAM
	free  uint64 // number of free frames
	total uint64 // frames ever added
}

// initFramesAllReserved marks every frame used; AddFree then opens up RAM.
func initFramesAllReserved() {
	for i := range frames.used {
		frames.used[i] = ^uint64(0)
	}
	frames.free, frames.total, frames.limit, frames.hint = 0, 0, 0, 0
}

// AddFree gives the frames wholly inside [start, end) to the allocator.
// Boot calls it for each available range of the memory map, after taking
// out what is in use (the kernel image, boot page tables, boot data).
func AddFree(start, end uint64) {
	start = (start + PageSize - 1) / PageSize
	end = end / PageSize
	if end > maxFrames {
		end = maxFrames
	}
	for f := start; f < end; f++ {
		if frames.used[f/64]&(1<<(f%64)) != 0 {
			frames.used[f/64] &^= 1 << (f % 64)
			frames.free++
			frames.total++
		}
	}
	if end > frames.limit {
		frames.limit = end
	}
}

// Reserve takes the frames overlapping [start, end) out of the free pool.
func Reserve(start, end uint64) {
	s := start / PageSize
	e := (end + PageSize - 1) / PageSize
	if e > maxFrames {
		e = maxFrames
	}
	for f := s; f < e; f++ {
		if frames.used[f/64]&(1<<(f%64)) == 0 {
			frames.used[f/64] |= 1 << (f % 64)
			frames.free--
			frames.total--
		}
	}
}

// AllocFrame returns the physical address of a zeroed free frame, or 0
// when memory is exhausted (the caller decides how to fail).
func AllocFrame() uint64 {
	fl := frames.lock.Lock()
	f, ok := findFree()
	if ok {
		frames.used[f/64] |= 1 << (f % 64)
		frames.free--
		frames.hint = f + 1
	}
	frames.lock.Unlock(fl)
	if !ok {
		return 0
	}
	pa := f * PageSize
	zeroPage(pa)
	return pa
}

func findFree() (uint64, bool) {
	if frames.free == 0 {
		return 0, false
	}
	n := frames.limit
	for pass := 0; pass < 2; pass++ {
		f := frames.hint
		if pass == 1 {
			f = 0
		}
		for f < n {
			w := frames.used[f/64]
			if w == ^uint64(0) && f%64 == 0 {
				f += 64
				continue
			}
			if w&(1<<(f%64)) == 0 {
				return f, true
			}
			f++
		}
	}
	return 0, false
}

// FreeFrame returns the frame at physical address pa to the allocator.
// Freeing a free frame is a kernel bug and panics the allocator's checks.
func FreeFrame(pa uint64) {
	f := pa / PageSize
	fl := frames.lock.Lock()
	if f >= frames.limit || frames.used[f/64]&(1<<(f%64)) == 0 {
		frames.lock.Unlock(fl)
		fatal("mm: freeing a frame that is not allocated", pa)
		return
	}
	frames.used[f/64] &^= 1 << (f % 64)
	frames.free++
	frames.lock.Unlock(fl)
}

// FreeFrames reports free and total frames.
func FreeFrames() (free, total uint64) {
	fl := frames.lock.Lock()
	free, total = frames.free, frames.total
	frames.lock.Unlock(fl)
	return
}

func zeroPage(pa uint64) {
	p := (*[PageSize / 8]uint64)(addr.Ptr(uintptr(pa)))
	for i := range p {
		p[i] = 0
	}
}

// Fatal is how mm reports a condition it cannot survive (a corrupted
// allocator). mm is below the kernel and cannot call it, so boot
// (boot/hooks.go) sets this to kernel.KernelPanic, which prints the message and a
// backtrace and ends the machine as panic= says (kernel/panic.go). Before
// that, fatal halts the CPU without a word.
var Fatal func(msg string, v uint64)

func fatal(msg string, v uint64) {
	if Fatal != nil {
		Fatal(msg, v)
	}
	amd64.HaltForever()
}
