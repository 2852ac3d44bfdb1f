package linux

import "gopreempt/arch/amd64"

// dup, dup2, dup3 and fcntl's F_DUPFD/F_DUPFD_CLOEXEC: a second
// descriptor for an open file. For a tmpfs file both name one open file
// description (sys_fs.go), so they share the position and the status
// flags, as on Linux; a pipe end gains a reader or writer; the console is
// the console. An eventfd or epoll file keeps its state in the descriptor
// itself here, so a copy could not share it: dup of one fails with
// EINVAL. The new descriptor's close-on-exec flag is its own.

// dupFile copies descriptor old into the free descriptor slot nfd, with
// files.lock held.
func dupFile(old, nfd int, cloexec bool) int64 {
	src := &files.f[old]
	switch src.kind {
	case fileEventfd, fileEpoll:
		return -EINVAL
	case filePipeRead, filePipeWrite:
		pipeDupEnd(src)
	case fileTmpfs:
		openFiles[src.of].refs++
	}
	// Field by field: a file may hold a lock (epoll's), which must not be copied.
	files.f[nfd] = file{kind: src.kind, nonblock: src.nonblock, cloexec: cloexec, pipe: src.pipe, of: src.of}
	return int64(nfd)
}

// dupLowest is dup and F_DUPFD: the lowest free descriptor >= min.
func dupLowest(old uint64, min uint64, cloexec bool) int64 {
	if min >= maxFiles {
		return -EINVAL
	}
	fl := files.lock.Lock()
	r := int64(-EMFILE)
	if old >= maxFiles || files.f[old].kind == fileFree {
		r = -EBADF
	} else {
		for i := int(min); i < maxFiles; i++ {
			if files.f[i].kind == fileFree {
				r = dupFile(int(old), i, cloexec)
				break
			}
		}
	}
	files.lock.Unlock(fl)
	return r
}

// dupOnto is dup2 and dup3: newfd is closed first if it is open.
func dupOnto(old, newfd uint64, cloexec bool) int64 {
	if newfd >= maxFiles {
		return -EBADF
	}
	fl := files.lock.Lock()
	if old >= maxFiles || files.f[old].kind == fileFree {
		files.lock.Unlock(fl)
		return -EBADF
	}
	k := files.f[old].kind
	if k == fileEventfd || k == fileEpoll {
		files.lock.Unlock(fl)
		return -EINVAL
	}
	last := -1
	if files.f[newfd].kind != fileFree {
		last = releaseFile(&files.f[newfd])
	}
	r := dupFile(int(old), int(newfd), cloexec)
	files.lock.Unlock(fl)
	putOpenFile(last)
	return r
}

func sysDup(f *amd64.TrapFrame) int64 { return dupLowest(f.RDI, 0, false) }

// dup2(oldfd, newfd): newfd == oldfd is returned as it is, if open.
func sysDup2(f *amd64.TrapFrame) int64 {
	if f.RDI == f.RSI {
		if fileOf(f.RDI) == nil {
			return -EBADF
		}
		return int64(f.RSI)
	}
	return dupOnto(f.RDI, f.RSI, false)
}

// dup3(oldfd, newfd, flags): O_CLOEXEC only; newfd == oldfd is EINVAL.
func sysDup3(f *amd64.TrapFrame) int64 {
	if f.RDX&^O_CLOEXEC != 0 || f.RDI == f.RSI {
		return -EINVAL
	}
	return dupOnto(f.RDI, f.RSI, f.RDX&O_CLOEXEC != 0)
}
