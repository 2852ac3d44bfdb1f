package linux

import (
	"gopreempt/arch/amd64"
)

// The file table. There is one process, so one table. A file is a small
// struct in a fixed array; the kinds are the console (fds 0, 1, 2), the
// runtime's netpoll descriptors (epoll and eventfd) and pipes. There is
// no file system: openat fails with ENOENT, which the runtime and the os
// package expect for the /sys and /proc files they probe.
const maxFiles = 64

const (
	fileFree = iota
	fileConsole
	fileEventfd
	fileEpoll
	filePipeRead
	filePipeWrite
)

type file struct {
	kind     int
	nonblock bool
	cloexec  bool

	counter uint64 // eventfd

	epoll epollState // epoll

	pipe int // index into pipes for pipe ends
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
	if fp.kind == filePipeRead || fp.kind == filePipeWrite {
		closePipeEnd(fp)
	}
	*fp = file{}
	files.lock.Unlock(fl)
	return 0
}

func sysRead(f *amd64.TrapFrame) int64 {
	fp := fileOf(f.RDI)
	if fp == nil {
		return -EBADF
	}
	buf := userBytes(uintptr(f.RSI), int(f.RDX))
	switch fp.kind {
	case fileConsole:
		return consoleRead(buf, fp.nonblock)
	case fileEventfd:
		return eventfdRead(fp, buf)
	case filePipeRead:
		return pipeRead(fp, buf)
	}
	return -EINVAL
}

func sysWrite(f *amd64.TrapFrame) int64 {
	fp := fileOf(f.RDI)
	if fp == nil {
		return -EBADF
	}
	buf := userBytes(uintptr(f.RSI), int(f.RDX))
	switch fp.kind {
	case fileConsole:
		consoleWrite(buf)
		return int64(len(buf))
	case fileEventfd:
		return eventfdWrite(fp, buf)
	case filePipeWrite:
		return pipeWrite(fp, buf)
	}
	return -EINVAL
}

func sysPread64(f *amd64.TrapFrame) int64 {
	if fileOf(f.RDI) == nil {
		return -EBADF
	}
	return -ESPIPE
}

// fcntl: F_GETFD/F_SETFD/F_GETFL/F_SETFL, for O_NONBLOCK and FD_CLOEXEC.
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
	case F_GETFD:
		if fp.cloexec {
			return FD_CLOEXEC
		}
		return 0
	case F_SETFD:
		fp.cloexec = f.RDX&FD_CLOEXEC != 0
		return 0
	case F_GETFL:
		r := int64(2) // O_RDWR
		if fp.nonblock {
			r |= O_NONBLOCK
		}
		return r
	case F_SETFL:
		fp.nonblock = f.RDX&O_NONBLOCK != 0
		return 0
	}
	return -EINVAL
}

func sysOpenat(f *amd64.TrapFrame) int64 { return -ENOENT }

func sysReadlinkat(f *amd64.TrapFrame) int64 { return -ENOENT }

func sysNewfstatat(f *amd64.TrapFrame) int64 { return -ENOENT }

func sysFstat(f *amd64.TrapFrame) int64 {
	if fileOf(f.RDI) == nil {
		return -EBADF
	}
	b := userBytes(uintptr(f.RSI), 144) // sizeof(struct stat) on x86-64
	for i := range b {
		b[i] = 0
	}
	*userU32(uintptr(f.RSI) + 24) = 0o20620 // st_mode: character device, rw--w----
	return 0
}

func sysIoctl(f *amd64.TrapFrame) int64 { return -ENOTTY }

func sysGetcwd(f *amd64.TrapFrame) int64 {
	if f.RSI < 2 {
		return -EINVAL
	}
	b := userBytes(uintptr(f.RDI), 2)
	b[0], b[1] = '/', 0
	return 2
}
