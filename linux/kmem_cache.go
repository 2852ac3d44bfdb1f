package linux

import (
	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/mm"
)

// Object caches: small fixed-size kernel objects (a pipe's state, an
// epoll watch) carved out of page frames, after Linux's kmem_cache
// (mm/slab.h), much simplified. System calls cannot allocate from the Go
// heap, and a fixed table would give programs a limit that Linux does not
// have; so a cache takes a frame from the frame allocator when its free
// list is empty and cuts it into objects. The free list is threaded
// through the first word of each free object. Frames are not given back:
// a cache keeps what its busiest moment needed. When no frame is left,
// alloc fails and the system call returns ENOMEM (or ENFILE, as Linux
// does for pipes).
//
// Any context; no allocation from the Go heap.
type kmemCache struct {
	lock amd64.RawLock
	size uintptr // object size, a multiple of 8
	free uintptr // first free object, 0 if none
}

// alloc returns a zeroed object, or 0 when memory ran out.
func (c *kmemCache) alloc() uintptr {
	fl := c.lock.Lock()
	if c.free == 0 {
		c.lock.Unlock(fl)
		pa := mm.AllocFrame() // zeroed
		if pa == 0 {
			return 0
		}
		fl = c.lock.Lock()
		for o := uintptr(pa); o+c.size <= uintptr(pa)+mm.PageSize; o += c.size {
			*(*uintptr)(addr.Ptr(o)) = c.free
			c.free = o
		}
	}
	o := c.free
	c.free = *(*uintptr)(addr.Ptr(o))
	c.lock.Unlock(fl)
	clear(objectBytes(o, c.size))
	return o
}

// release gives o back to the cache (kmem_cache_free).
func (c *kmemCache) release(o uintptr) {
	fl := c.lock.Lock()
	*(*uintptr)(addr.Ptr(o)) = c.free
	c.free = o
	c.lock.Unlock(fl)
}

func objectBytes(o, n uintptr) []byte { return userBytes(o, int(n)) }
