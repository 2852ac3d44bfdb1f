package linux

import (
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/kernel"
	"gopreempt/mm"
)

// Pipes (Linux's fs/pipe.c): a ring of one page between a read end and a
// write end. os.Pipe uses them, and the runtime falls back to one for
// netpollBreak when eventfd is missing.
//
// A pipe's state (Linux's pipe_inode_info) comes from an object cache and
// its buffer is a frame of its own, so there are as many pipes as memory
// allows; pipe2 fails with ENOMEM when it runs out, and with EMFILE, having
// taken nothing, when the fd table is full.
//
// Blocking follows pipe_read and pipe_write. A reader waits, exclusively,
// on rdWait until the pipe holds data or has no writer left (then it
// reads 0: end of file). A writer waits on wrWait until there is room or
// no reader is left (then EPIPE). A write of at most PIPE_BUF bytes is
// atomic: it waits until it fits whole. A larger one is written in pieces
// as room appears, and a blocking write returns only when all of it is
// written, or a signal ends it (then it returns what it wrote, or
// -ERESTARTSYS if nothing). O_NONBLOCK gives EAGAIN instead of a wait.
// Waiters are exclusive, so one byte does not wake every reader; a reader
// that leaves data behind wakes the next one, a writer that leaves room
// the next writer, as Linux does. Every change is also an event for
// epoll (pollNotify): a write may make the pipe readable, a read may make
// it writable, a close is a hang-up for the other end.
//
// The pipe's lock is raw and guards the positions and the end counts.
// Lock order: files.lock, then a pipe's lock, then its wait queues'.
//
// SYSCALL context: no allocation, no heap pointer stores.
const (
	pipeSize = mm.PageSize
	PIPE_BUF = pipeSize // writes up to this size are atomic
	O_DIRECT = 0o40000

	EPIPE = 32 // a write with no reader left
)

type pipeInode struct {
	lock           amd64.RawLock
	r, w           uint64 // read and write positions (free-running)
	readers        int32
	writers        int32
	buf            uintptr // the ring: one frame
	rdWait, wrWait kernel.WaitQueueHead
	poll           pollEvents // for epoll: writes are "in", reads "out"
}

var pipeCache = kmemCache{size: (unsafe.Sizeof(pipeInode{}) + 7) &^ 7}

func pipeAt(a uintptr) *pipeInode { return (*pipeInode)(addr.Ptr(a)) }

func (p *pipeInode) ring() []byte { return userBytes(p.buf, pipeSize) }

// allocPipe makes a pipe with one reader and one writer, or returns 0.
func allocPipe() uintptr {
	a := pipeCache.alloc()
	if a == 0 {
		return 0
	}
	buf := mm.AllocFrame()
	if buf == 0 {
		pipeCache.release(a)
		return 0
	}
	p := pipeAt(a)
	p.buf, p.readers, p.writers = uintptr(buf), 1, 1
	return a
}

func sysPipe2(f *amd64.TrapFrame) int64 {
	flags := f.RSI
	if flags&^(O_CLOEXEC|O_NONBLOCK|O_DIRECT) != 0 {
		return -EINVAL
	}
	if !accessOK(uintptr(f.RDI), 8, true) {
		return -EFAULT // checked first: no descriptor to take back after
	}
	rfd := allocFile(filePipeRead)
	if rfd < 0 {
		return int64(rfd)
	}
	wfd := allocFile(filePipeWrite)
	if wfd < 0 {
		freeFd(rfd)
		return int64(wfd)
	}
	p := allocPipe()
	if p == 0 {
		freeFd(rfd)
		freeFd(wfd)
		return -ENOMEM
	}
	for _, fd := range [2]int{rfd, wfd} {
		fp := &files.f[fd]
		fp.pipe, fp.nonblock, fp.cloexec = p, flags&O_NONBLOCK != 0, flags&O_CLOEXEC != 0
	}
	*userU32(uintptr(f.RDI)) = uint32(rfd)
	*userU32(uintptr(f.RDI) + 4) = uint32(wfd)
	return 0
}

// freeFd gives back a descriptor that allocFile handed out and that was
// never shown to the program.
func freeFd(fd int) {
	fl := files.lock.Lock()
	files.f[fd] = file{}
	files.lock.Unlock(fl)
}

// closePipeEnd drops one end; files.lock is held. The other side's
// waiters wake to see end of file or EPIPE; the last close frees the
// pipe.
func closePipeEnd(fp *file) {
	p := pipeAt(fp.pipe)
	fl := p.lock.Lock()
	if fp.kind == filePipeRead {
		p.readers--
	} else {
		p.writers--
	}
	last := p.readers == 0 && p.writers == 0
	p.lock.Unlock(fl)
	if last {
		mm.FreeFrame(uint64(p.buf))
		pipeCache.release(fp.pipe)
		return
	}
	p.rdWait.WakeUpAll()
	p.wrWait.WakeUpAll()
	pollNotify(&p.poll, EPOLLIN|EPOLLOUT) // a hang-up, or an error for the writer
}

// pipeReadiness is the pipe's poll: readable with data or at end of
// file (EPOLLHUP); writable with room, or an error with no reader.
func pipeReadiness(fp *file) uint32 {
	p := pipeAt(fp.pipe)
	fl := p.lock.Lock()
	var r uint32
	if fp.kind == filePipeRead {
		if p.w != p.r {
			r |= EPOLLIN
		}
		if p.writers == 0 {
			r |= EPOLLHUP
		}
	} else {
		if p.w-p.r < pipeSize {
			r |= EPOLLOUT
		}
		if p.readers == 0 {
			r |= EPOLLERR
		}
	}
	p.lock.Unlock(fl)
	return r
}

// readable and writable are the wait conditions (pipe_readable,
// pipe_writable); read without the lock, as Linux does, and checked
// again under it.
func (p *pipeInode) readable() bool { return p.w != p.r || p.writers == 0 }

func (p *pipeInode) writable(n int) bool {
	free := pipeSize - int(p.w-p.r)
	return p.readers == 0 || free >= n
}

func pipeRead(fp *file, b []byte) int64 {
	if len(b) == 0 {
		return 0
	}
	p := pipeAt(fp.pipe)
	ring := p.ring()
	for {
		fl := p.lock.Lock()
		n := 0
		for n < len(b) && p.r != p.w {
			b[n] = ring[p.r%pipeSize]
			p.r++
			n++
		}
		more := p.r != p.w
		eof := p.writers == 0
		p.lock.Unlock(fl)
		if n > 0 {
			p.wrWait.WakeUp()
			if more {
				p.rdWait.WakeUp() // the next reader
			}
			pollNotify(&p.poll, EPOLLOUT)
			return int64(n)
		}
		if eof {
			return 0
		}
		if fp.nonblock {
			return -EAGAIN
		}
		if r := p.rdWait.WaitEventInterruptibleExclusive(p.readable); r != 0 {
			return r // -ERESTARTSYS: restarted after a SA_RESTART handler
		}
	}
}

func pipeWrite(fp *file, b []byte) int64 {
	if len(b) == 0 {
		return 0
	}
	p := pipeAt(fp.pipe)
	ring := p.ring()
	total := 0
	for {
		// An atomic write waits until it fits whole; a larger one
		// goes in pieces.
		need := 1
		if len(b) <= PIPE_BUF {
			need = len(b)
		}
		fl := p.lock.Lock()
		if p.readers == 0 {
			p.lock.Unlock(fl)
			if total > 0 {
				return int64(total)
			}
			// SIGPIPE to the writer, as Linux's pipe_write; the Go
			// runtime ignores it for descriptors other than 1 and 2.
			kernel.SendSignalToTask(kernel.Current(), kernel.SIGPIPE, false)
			return -EPIPE
		}
		n := 0
		if pipeSize-int(p.w-p.r) >= need {
			for total+n < len(b) && p.w-p.r < pipeSize {
				ring[p.w%pipeSize] = b[total+n]
				p.w++
				n++
			}
		}
		room := p.w-p.r < pipeSize
		p.lock.Unlock(fl)
		if n > 0 {
			total += n
			p.rdWait.WakeUp()
			if room {
				p.wrWait.WakeUp() // the next writer
			}
			pollNotify(&p.poll, EPOLLIN)
		}
		if total == len(b) {
			return int64(total)
		}
		if fp.nonblock {
			if total > 0 {
				return int64(total)
			}
			return -EAGAIN
		}
		left := len(b) - total
		if left > PIPE_BUF {
			left = 1
		}
		if r := p.wrWait.WaitEventInterruptibleExclusive(func() bool { return p.writable(left) }); r != 0 {
			if total > 0 {
				return int64(total)
			}
			return r
		}
	}
}

// pipeDupEnd counts one more descriptor for fp's end (dup); files.lock
// is held.
func pipeDupEnd(fp *file) {
	p := pipeAt(fp.pipe)
	fl := p.lock.Lock()
	if fp.kind == filePipeRead {
		p.readers++
	} else {
		p.writers++
	}
	p.lock.Unlock(fl)
}

// PipeWaiters counts the tasks waiting to read and to write on the pipe
// behind fd (for tests and reports); -1, -1 if fd is no pipe end.
func PipeWaiters(fd int) (readers, writers int) {
	fp := fileOf(uint64(fd))
	if fp == nil || fp.kind != filePipeRead && fp.kind != filePipeWrite {
		return -1, -1
	}
	p := pipeAt(fp.pipe)
	return p.rdWait.Waiters(), p.wrWait.Waiters()
}
