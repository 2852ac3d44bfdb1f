package linux

import (
	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// Pipes: a 4 KiB ring per pipe. The runtime falls back to a pipe for
// netpollBreak when eventfd is missing; os.Pipe uses them too.
const (
	maxPipes = 8
	pipeSize = 4096
)

type pipeBuf struct {
	used    bool
	r, w    uint64 // read and write positions (free-running)
	readers int
	writers int
	buf     [pipeSize]byte
}

var pipes [maxPipes]pipeBuf

func sysPipe2(f *amd64.TrapFrame) int64 {
	fl := files.lock.Lock()
	p := -1
	for i := range pipes {
		if !pipes[i].used {
			p = i
			pipes[i] = pipeBuf{used: true, readers: 1, writers: 1}
			break
		}
	}
	files.lock.Unlock(fl)
	if p < 0 {
		return -EMFILE
	}
	rfd := allocFile(filePipeRead)
	wfd := allocFile(filePipeWrite)
	if rfd < 0 || wfd < 0 {
		return -EMFILE
	}
	nb := f.RSI&O_NONBLOCK != 0
	files.f[rfd].pipe, files.f[rfd].nonblock = p, nb
	files.f[wfd].pipe, files.f[wfd].nonblock = p, nb
	fds := userBytes(uintptr(f.RDI), 8)
	*userU32(uintptr(f.RDI)) = uint32(rfd)
	*userU32(uintptr(f.RDI) + 4) = uint32(wfd)
	_ = fds
	return 0
}

// closePipeEnd drops one end; files.lock is held.
func closePipeEnd(fp *file) {
	p := &pipes[fp.pipe]
	if fp.kind == filePipeRead {
		p.readers--
	} else {
		p.writers--
	}
	if p.readers == 0 && p.writers == 0 {
		p.used = false
	}
}

func pipeReadiness(fp *file) uint32 {
	p := &pipes[fp.pipe]
	if p.w != p.r {
		return EPOLLIN
	}
	if p.writers == 0 {
		return EPOLLHUP
	}
	return 0
}

func pipeRead(fp *file, b []byte) int64 {
	p := &pipes[fp.pipe]
	for {
		fl := files.lock.Lock()
		n := 0
		for n < len(b) && p.r != p.w {
			b[n] = p.buf[p.r%pipeSize]
			p.r++
			n++
		}
		eof := p.writers == 0
		files.lock.Unlock(fl)
		if n > 0 || eof {
			return int64(n)
		}
		if fp.nonblock {
			return -EAGAIN
		}
		if sleepUntil(kernel.Nanotime()+1e6, kernel.TASK_INTERRUPTIBLE) != 0 {
			return -kernel.ERESTARTSYS // a blocking read restarts after SA_RESTART
		}
	}
}

func pipeWrite(fp *file, b []byte) int64 {
	p := &pipes[fp.pipe]
	fl := files.lock.Lock()
	n := 0
	for n < len(b) && p.w-p.r < pipeSize {
		p.buf[p.w%pipeSize] = b[n]
		p.w++
		n++
	}
	files.lock.Unlock(fl)
	wakePollers()
	if n == 0 && len(b) > 0 {
		return -EAGAIN
	}
	return int64(n)
}
