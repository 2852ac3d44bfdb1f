package linux

import (
	"sync/atomic"

	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// The file table. There is one process, so one table. A file is a small
// struct in a fixed array; the kinds are the console (fds 0, 1, 2), the
// runtime's netpoll descriptors (epoll and eventfd), pipes, and the
// files and directories of the tmpfs, which name an open file description
// (sys_fs.go). The runtime and the os package probe /sys and /proc files
// at start-up; the tmpfs has neither, so they get ENOENT, as they expect.
const maxFiles = 1024 // Linux's default RLIMIT_NOFILE

const (
	fileFree = iota
	fileConsole
	fileEventfd
	fileEpoll
	filePipeRead
	filePipeWrite
	fileTmpfs
)

type file struct {
	kind     int
	nonblock bool
	cloexec  bool

	counter uint64               // eventfd
	wait    kernel.WaitQueueHead // eventfd: blocked reads and writes
	poll    pollEvents           // eventfd: its events, for epoll
	watched atomic.Int32         // epoll watches of this descriptor

	epoll epollState // epoll

	pipe uintptr // *pipeInode for pipe ends (pipe.go)

	of int // tmpfs: index into openFiles (sys_fs.go)
}

var files struct {
	lock amd64.RawLock
	f    [maxFiles]file
}

// setupFiles opens the console on fds 0, 1 and 2.
func setupFiles() {
	for i := 0; i < 3; i++ {
		files.f[i] = file{kind: fileConsole}
	}
}

// allocFile returns a free descriptor of the given kind, or -EMFILE.
func allocFile(kind int) int {
	fl := files.lock.Lock()
	defer files.lock.Unlock(fl)
	for i := 3; i < maxFiles; i++ {
		if files.f[i].kind == fileFree {
			files.f[i] = file{kind: kind}
			return i
		}
	}
	return -EMFILE
}

// fileOf returns the open file for fd, or nil.
func fileOf(fd uint64) *file {
	if fd >= maxFiles || files.f[fd].kind == fileFree {
		return nil
	}
	return &files.f[fd]
}

func sysClose(f *amd64.TrapFrame) int64 {
	fp := fileOf(f.RDI)
	if fp == nil {
		return -EBADF
	}
	if fp.kind == fileConsole {
		return 0 // the console stays
	}
	fl := files.lock.Lock()
	if fp.kind == fileFree { // closed on another CPU meanwhile
		files.lock.Unlock(fl)
		return -EBADF
	}
	last := releaseFile(fp)
	files.lock.Unlock(fl)
	putOpenFile(last)
	return 0
}

// releaseFile frees the descriptor fp, with files.lock held. A tmpfs
// file's open file description may lose its last reference with it:
// releaseFile returns it for putOpenFile, which frees it once the lock is
// dropped (releasing the inode may free its pages), or returns -1.
func releaseFile(fp *file) int {
	last := -1
	switch fp.kind {
	case filePipeRead, filePipeWrite:
		closePipeEnd(fp)
	case fileEpoll:
		epollRelease(&fp.epoll)
	case fileTmpfs:
		last = dropOpenFile(fp.of)
	}
	if fp.watched.Load() > 0 {
		epollForget(fp)
	}
	*fp = file{}
	return last
}

func sysRead(f *amd64.TrapFrame) int64 {
	b, ok := userSlice(uintptr(f.RSI), int(f.RDX), true)
	if !ok {
		return -EFAULT
	}
	return fdRead(f.RDI, b)
}

// fdRead is read(2) of descriptor fd into buf (and each step of readv).
func fdRead(fd uint64, buf []byte) int64 {
	fp := fileOf(fd)
	if fp == nil {
		return -EBADF
	}
	switch fp.kind {
	case fileConsole:
		return consoleRead(buf, fp.nonblock)
	case fileEventfd:
		return eventfdRead(fp, buf)
	case filePipeRead:
		return pipeRead(fp, buf)
	case fileTmpfs:
		return fileRead(fd, buf, nil)
	}
	return -EINVAL
}

func sysWrite(f *amd64.TrapFrame) int64 {
	b, ok := userSlice(uintptr(f.RSI), int(f.RDX), false)
	if !ok {
		return -EFAULT
	}
	return fdWrite(f.RDI, b)
}

// fdWrite is write(2) of buf to descriptor fd (and each step of writev).
func fdWrite(fd uint64, buf []byte) int64 {
	fp := fileOf(fd)
	if fp == nil {
		return -EBADF
	}
	switch fp.kind {
	case fileConsole:
		consoleWrite(buf)
		return int64(len(buf))
	case fileEventfd:
		return eventfdWrite(fp, buf)
	case filePipeWrite:
		return pipeWrite(fp, buf)
	case fileTmpfs:
		return fileWrite(fd, buf, nil)
	}
	return -EINVAL
}

// fcntl: F_GETFD/F_SETFD/F_GETFL/F_SETFL, for O_NONBLOCK and FD_CLOEXEC;
// F_DUPFD and F_DUPFD_CLOEXEC (dup.go). A tmpfs file's status flags are
// its open file description's.
const (
	F_GETFD    = 1
	F_SETFD    = 2
	F_GETFL    = 3
	F_SETFL    = 4
	O_NONBLOCK = 0x800
	O_CLOEXEC  = 0x80000
	FD_CLOEXEC = 1
)

func sysFcntl(f *amd64.TrapFrame) int64 {
	fp := fileOf(f.RDI)
	if fp == nil {
		return -EBADF
	}
	switch f.RSI {
	case F_DUPFD, F_DUPFD_CLOEXEC:
		return dupLowest(f.RDI, f.RDX, f.RSI == F_DUPFD_CLOEXEC)
	case F_GETFD:
		if fp.cloexec {
			return FD_CLOEXEC
		}
		return 0
	case F_SETFD:
		fp.cloexec = f.RDX&FD_CLOEXEC != 0
		return 0
	case F_GETFL:
		if fp.kind == fileTmpfs {
			return fileGetfl(f.RDI)
		}
		r := int64(2) // O_RDWR
		if fp.nonblock {
			r |= O_NONBLOCK
		}
		return r
	case F_SETFL:
		fp.nonblock = f.RDX&O_NONBLOCK != 0
		if fp.kind == fileTmpfs {
			fileSetfl(f.RDI, uint32(f.RDX))
		}
		return 0
	}
	return -EINVAL
}

func sysIoctl(f *amd64.TrapFrame) int64 { return -ENOTTY }
