package linux

import (
	"gopreempt/arch/amd64"
	"gopreempt/fs/tmpfs"
	"gopreempt/internal/addr"
	"gopreempt/mm"
)

// The file-system system calls, on the one tmpfs (fs/tmpfs) rooted at
// "/". This file is the VFS's top: it reads the caller's arguments,
// resolves file descriptors, applies the checks that belong to the open
// file rather than the inode (access mode, O_APPEND, the position), and
// leaves names, inodes and pages to tmpfs.
//
// Open file descriptions. Linux separates a descriptor (an fd table
// slot: the close-on-exec flag) from the open file description it names
// (struct file: the position, the access mode, O_APPEND), so that dup'd
// descriptors share one position. So does this kernel, for tmpfs files:
// the fd's file entry (files.go) holds an index into openFiles, whose
// entries count their references: one per descriptor, and one for each
// system call that is using it (fget/fput), so that a close on another
// CPU cannot free an inode under a read. The table is twice the fd table:
// every entry in use is named by a descriptor or held by a running call,
// so it fills only if that many calls race with closes; it then fails
// with ENFILE, Linux's error for the system-wide file table.
//
// SYSCALL context: no allocation, no heap pointer stores, and no defer
// (fs/tmpfs/doc.go says why). Paths are read in place, up to PATH_MAX
// bytes with the NUL.
type openFile struct {
	inode tmpfs.Inode // 0: the entry is free
	refs  int32
	dir   bool
	flags uint32 // the open flags that last: access mode, O_APPEND, O_NONBLOCK, O_PATH, ...
	pos   int64  // f_pos; read and advanced under tmpfs's lock
}

const maxOpenFiles = 2 * maxFiles

var openFiles [maxOpenFiles]openFile // entries and refs under files.lock

// errno values first needed by the file system calls.
const (
	EACCES       = 13
	ENOTDIR      = 20
	ENFILE       = 23
	ERANGE       = 34
	ENAMETOOLONG = 36
	EOPNOTSUPP   = 95
)

// Open flags (x86-64) and *at flags (include/uapi/linux/fcntl.h).
const (
	O_ACCMODE   = 0o3
	O_RDONLY    = 0o0
	O_WRONLY    = 0o1
	O_RDWR      = 0o2
	O_CREAT     = 0o100
	O_EXCL      = 0o200
	O_NOCTTY    = 0o400
	O_TRUNC     = 0o1000
	O_APPEND    = 0o2000
	O_LARGEFILE = 0o100000
	O_DIRECTORY = 0o200000
	O_NOFOLLOW  = 0o400000
	O_PATH      = 0o10000000
	O_TMPFILE   = 0o20000000 | O_DIRECTORY

	AT_FDCWD            = -100
	AT_SYMLINK_NOFOLLOW = 0x100
	AT_REMOVEDIR        = 0x200
	AT_EACCESS          = 0x200
	AT_NO_AUTOMOUNT     = 0x800
	AT_SYMLINK_FOLLOW   = 0x400
	AT_EMPTY_PATH       = 0x1000
	AT_STATX_SYNC_TYPE  = 0x6000

	PATH_MAX = 4096

	atFdcwd = 0xffffffffffffff9c // AT_FDCWD as the register holds it

	F_DUPFD         = 0
	F_DUPFD_CLOEXEC = 1030
)

// userPath returns the NUL-terminated path at p, without the NUL:
// ENAMETOOLONG if there is no NUL in PATH_MAX bytes.
func userPath(p uintptr) ([]byte, int64) {
	for n := 0; n < PATH_MAX; n++ {
		a := p + uintptr(n)
		if (n == 0 || a&(mm.PageSize-1) == 0) && !accessOK(a, 1, false) {
			return nil, -EFAULT // strncpy_from_user stops at the fault
		}
		if *(*byte)(addr.Ptr(p + uintptr(n))) == 0 {
			return userBytes(p, n), 0
		}
	}
	return nil, -ENAMETOOLONG
}

// fget returns the open file description of fd with a reference taken,
// or -1 if fd is not an open tmpfs file (Linux's fdget).
func fget(fd uint64) int {
	fl := files.lock.Lock()
	of := -1
	if fd < maxFiles && files.f[fd].kind == fileTmpfs {
		of = files.f[fd].of
		openFiles[of].refs++
	}
	files.lock.Unlock(fl)
	return of
}

// fgetIO is fget for the calls that an O_PATH descriptor cannot make
// (Linux's fdget does not find O_PATH files for them): -1 for those too.
func fgetIO(fd uint64) int {
	of := fget(fd)
	if of >= 0 && openFiles[of].flags&O_PATH != 0 {
		fput(of)
		return -1
	}
	return of
}

// fgetTmpfs is the opening of the calls that work on an open tmpfs file
// (lseek, ftruncate, getdents64, fchmod, fsync): fgetIO's reference on
// fd's open file description, to be dropped with fput, or of < 0 and the
// call's result: -EBADF for no descriptor or an O_PATH one, notTmpfs for
// a console, pipe or epoll descriptor, which each call answers its own
// way (-ESPIPE for lseek, 0 for fchmod, which accepts it and does
// nothing).
func fgetTmpfs(fd uint64, notTmpfs int64) (of int, r int64) {
	fp := fileOf(fd)
	if fp == nil {
		return -1, -EBADF
	}
	if fp.kind != fileTmpfs {
		return -1, notTmpfs
	}
	if of = fgetIO(fd); of < 0 {
		return -1, -EBADF
	}
	return of, 0
}

// fput drops the reference fget took.
func fput(of int) {
	fl := files.lock.Lock()
	last := dropOpenFile(of)
	files.lock.Unlock(fl)
	putOpenFile(last)
}

// dropOpenFile drops one reference on description of, with files.lock
// held. It returns of if that was the last, for putOpenFile once the
// lock is dropped, and -1 otherwise.
func dropOpenFile(of int) int {
	o := &openFiles[of]
	o.refs--
	if o.refs == 0 {
		return of
	}
	return -1
}

// putOpenFile frees a description whose last reference is gone (of < 0:
// nothing to do) and releases its inode, which may free the file.
func putOpenFile(of int) {
	if of < 0 {
		return
	}
	h := openFiles[of].inode
	fl := files.lock.Lock()
	openFiles[of] = openFile{}
	files.lock.Unlock(fl)
	tmpfs.Release(h)
}

// fdAvailable reports whether a descriptor is free (for openat's early
// EMFILE).
func fdAvailable() bool {
	fl := files.lock.Lock()
	free := false
	for i := 3; i < maxFiles && !free; i++ {
		free = files.f[i].kind == fileFree
	}
	files.lock.Unlock(fl)
	return free
}

// installFile gives a referenced inode a description and the lowest free
// descriptor. On failure the reference is released.
func installFile(h tmpfs.Inode, dir bool, flags uint32) int64 {
	fl := files.lock.Lock()
	fd, of := -1, -1
	for i := 3; i < maxFiles && fd < 0; i++ {
		if files.f[i].kind == fileFree {
			fd = i
		}
	}
	for i := range openFiles {
		if openFiles[i].inode == 0 {
			of = i
			break
		}
	}
	if fd < 0 || of < 0 {
		files.lock.Unlock(fl)
		tmpfs.Release(h)
		if fd < 0 {
			return -EMFILE
		}
		return -ENFILE
	}
	openFiles[of] = openFile{inode: h, refs: 1, dir: dir,
		flags: flags &^ (O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)}
	files.f[fd] = file{kind: fileTmpfs, of: of,
		cloexec: flags&O_CLOEXEC != 0, nonblock: flags&O_NONBLOCK != 0}
	files.lock.Unlock(fl)
	return int64(fd)
}

// atDir resolves a *at call's dirfd for path: where a relative path
// starts (0: the current directory) and the description held for it (-1:
// none; give it to putAt). An absolute path ignores dirfd, as on Linux.
func atDir(dirfd uint64, path []byte) (tmpfs.Inode, int, int64) {
	if int32(dirfd) == AT_FDCWD || len(path) > 0 && path[0] == '/' {
		return 0, -1, 0
	}
	if fileOf(uint64(uint32(dirfd))) == nil {
		return 0, -1, -EBADF
	}
	of := fget(uint64(uint32(dirfd)))
	if of < 0 {
		return 0, -1, -ENOTDIR // a console, pipe or poll descriptor
	}
	if !openFiles[of].dir {
		fput(of)
		return 0, -1, -ENOTDIR
	}
	return openFiles[of].inode, of, 0
}

func putAt(of int) {
	if of >= 0 {
		fput(of)
	}
}

// lookupAt finds what (dirfd, path) names, with a reference, honouring
// AT_EMPTY_PATH (dirfd itself, for "" paths). ok is false when dirfd is
// a descriptor that is not a tmpfs file and AT_EMPTY_PATH named it: the
// caller reports that file its own way.
func lookupAt(dirfd, p uint64, flags uint64) (h tmpfs.Inode, ok bool, e int64) {
	path, e := userPath(uintptr(p))
	if e != 0 {
		return 0, false, e
	}
	if len(path) == 0 && flags&AT_EMPTY_PATH != 0 {
		if int32(dirfd) == AT_FDCWD {
			h, e = tmpfs.Lookup(0, dots[:1], true)
			return h, e == 0, e
		}
		if fileOf(uint64(uint32(dirfd))) == nil {
			return 0, false, -EBADF
		}
		of := fget(uint64(uint32(dirfd)))
		if of < 0 {
			return 0, false, 0
		}
		h = openFiles[of].inode
		tmpfs.Hold(h)
		fput(of)
		return h, true, 0
	}
	dir, of, e := atDir(dirfd, path)
	if e != 0 {
		return 0, false, e
	}
	h, e = tmpfs.Lookup(dir, path, flags&AT_SYMLINK_NOFOLLOW == 0)
	putAt(of)
	return h, e == 0, e
}

var dots = [2]byte{'.', '.'}

// openat(dirfd, path, flags, mode). Creation and the name checks are
// tmpfs.Open's; here: O_TMPFILE is not supported (EOPNOTSUPP),
// O_CREAT|O_DIRECTORY is EINVAL (as since Linux 6.4), and O_PATH opens
// for neither reading nor writing.
func sysOpenat(f *amd64.TrapFrame) int64 {
	return doOpen(f.RDI, f.RSI, uint32(f.RDX), uint32(f.R10))
}

func doOpen(dirfd, p uint64, flags, mode uint32) int64 {
	path, e := userPath(uintptr(p))
	if e != 0 {
		return e
	}
	if flags&O_TMPFILE == O_TMPFILE {
		return -EOPNOTSUPP
	}
	if flags&(O_CREAT|O_DIRECTORY) == O_CREAT|O_DIRECTORY {
		return -EINVAL
	}
	if flags&O_PATH != 0 {
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
	}
	acc := flags & O_ACCMODE
	write := acc == O_WRONLY || acc == O_RDWR || acc == O_ACCMODE
	if !fdAvailable() {
		// Linux reserves the descriptor before the walk, so that a
		// full table fails without creating the file. Here the check
		// and the install are apart: a race with another open can
		// still create the name and then fail with EMFILE.
		return -EMFILE
	}
	dir, of, e := atDir(dirfd, path)
	if e != 0 {
		return e
	}
	h, isDir, e := tmpfs.Open(dir, path, flags, mode, write)
	putAt(of)
	if e != 0 {
		return e
	}
	return installFile(h, isDir, flags)
}

func canRead(o *openFile) bool {
	a := o.flags & O_ACCMODE
	return o.flags&O_PATH == 0 && (a == O_RDONLY || a == O_RDWR)
}

func canWrite(o *openFile) bool {
	a := o.flags & O_ACCMODE
	return o.flags&O_PATH == 0 && (a == O_WRONLY || a == O_RDWR)
}

// fileRead is read(2) (pos nil: at and past the description's position)
// and pread64(2) (at *pos, which the read advances but nobody keeps).
func fileRead(fd uint64, b []byte, pos *int64) int64 {
	of := fget(fd)
	if of < 0 {
		return -EBADF
	}
	o := &openFiles[of]
	r := int64(-EBADF)
	if canRead(o) {
		if pos == nil {
			pos = &o.pos
		}
		r = tmpfs.Read(o.inode, b, pos)
	}
	fput(of)
	return r
}

// fileWrite is write(2) and pwrite64(2). O_APPEND writes at the end even
// for pwrite64, as Linux does (a bug, the man page says, kept for
// compatibility).
func fileWrite(fd uint64, b []byte, pos *int64) int64 {
	of := fget(fd)
	if of < 0 {
		return -EBADF
	}
	o := &openFiles[of]
	r := int64(-EBADF)
	if canWrite(o) {
		if pos == nil {
			pos = &o.pos
		}
		r = tmpfs.Write(o.inode, b, pos, o.flags&O_APPEND != 0)
	}
	fput(of)
	return r
}

// pread64 and pwrite64(fd, buf, count, offset): tmpfs files; anything
// else is not seekable (ESPIPE). The two differ only in the direction.
func sysPread64(f *amd64.TrapFrame) int64  { return positionalIO(f, false) }
func sysPwrite64(f *amd64.TrapFrame) int64 { return positionalIO(f, true) }

func positionalIO(f *amd64.TrapFrame, write bool) int64 {
	fp := fileOf(f.RDI)
	if fp == nil {
		return -EBADF
	}
	if fp.kind != fileTmpfs {
		return -ESPIPE
	}
	off := int64(f.R10)
	if off < 0 {
		return -EINVAL
	}
	// A read writes the caller's buffer, a write reads it.
	b, ok := userSlice(uintptr(f.RSI), int(f.RDX), !write)
	if !ok {
		return -EFAULT
	}
	if write {
		return fileWrite(f.RDI, b, &off)
	}
	return fileRead(f.RDI, b, &off)
}

// lseek(fd, offset, whence). SEEK_DATA and SEEK_HOLE treat the whole file
// as data (allowed by lseek(2): holes need not be reported); a directory
// seeks with SEEK_SET and SEEK_CUR only, as Linux's dcache_dir_lseek.
func sysLseek(f *amd64.TrapFrame) int64 {
	of, r := fgetTmpfs(f.RDI, -ESPIPE)
	if of < 0 {
		return r
	}
	o := &openFiles[of]
	r = tmpfs.Lseek(o.inode, &o.pos, int64(f.RSI), int(f.RDX))
	fput(of)
	return r
}

// ftruncate(fd, length): a regular file open for writing (EINVAL
// otherwise, as Linux).
func sysFtruncate(f *amd64.TrapFrame) int64 {
	of, r := fgetTmpfs(f.RDI, -EINVAL)
	if of < 0 {
		return r
	}
	o := &openFiles[of]
	r = -EINVAL
	if !o.dir && canWrite(o) {
		r = tmpfs.Truncate(o.inode, int64(f.RSI))
	}
	fput(of)
	return r
}

// truncate(path, length).
func sysTruncate(f *amd64.TrapFrame) int64 {
	h, _, e := lookupAt(atFdcwd, f.RDI, 0)
	if e != 0 {
		return e
	}
	r := tmpfs.Truncate(h, int64(f.RSI))
	tmpfs.Release(h)
	return r
}

// getdents64(fd, dirp, count).
func sysGetdents64(f *amd64.TrapFrame) int64 {
	of, r := fgetTmpfs(f.RDI, -ENOTDIR)
	if of < 0 {
		return r
	}
	b, ok := userSlice(uintptr(f.RSI), int(uint32(f.RDX)), true) // count is an unsigned int
	if !ok {
		fput(of)
		return -EFAULT
	}
	o := &openFiles[of]
	r = tmpfs.Getdents(o.inode, b, &o.pos)
	fput(of)
	return r
}

// mkdirat(dirfd, path, mode).
func sysMkdirat(f *amd64.TrapFrame) int64 {
	path, e := userPath(uintptr(f.RSI))
	if e != 0 {
		return e
	}
	dir, of, e := atDir(f.RDI, path)
	if e != 0 {
		return e
	}
	r := tmpfs.Mkdir(dir, path, uint32(f.RDX))
	putAt(of)
	return r
}

// unlinkat(dirfd, path, flags): AT_REMOVEDIR is rmdir.
func sysUnlinkat(f *amd64.TrapFrame) int64 {
	if f.RDX&^AT_REMOVEDIR != 0 {
		return -EINVAL
	}
	path, e := userPath(uintptr(f.RSI))
	if e != 0 {
		return e
	}
	dir, of, e := atDir(f.RDI, path)
	if e != 0 {
		return e
	}
	r := tmpfs.Unlink(dir, path, f.RDX&AT_REMOVEDIR != 0)
	putAt(of)
	return r
}

// renameat(olddirfd, oldpath, newdirfd, newpath) and renameat2(...,
// flags): RENAME_NOREPLACE and RENAME_EXCHANGE.
func sysRenameat(f *amd64.TrapFrame) int64 { return doRename(f, 0) }

func sysRenameat2(f *amd64.TrapFrame) int64 { return doRename(f, uint32(f.R8)) }

func doRename(f *amd64.TrapFrame, flags uint32) int64 {
	oldpath, e := userPath(uintptr(f.RSI))
	if e != 0 {
		return e
	}
	newpath, e := userPath(uintptr(f.R10))
	if e != 0 {
		return e
	}
	odir, oof, e := atDir(f.RDI, oldpath)
	if e != 0 {
		return e
	}
	ndir, nof, e := atDir(f.RDX, newpath)
	if e != 0 {
		putAt(oof)
		return e
	}
	r := tmpfs.Rename(odir, oldpath, ndir, newpath, flags)
	putAt(nof)
	putAt(oof)
	return r
}

// linkat(olddirfd, oldpath, newdirfd, newpath, flags): a second name for
// a file. AT_SYMLINK_FOLLOW follows a symbolic link at oldpath (without
// it the link itself is linked); AT_EMPTY_PATH links olddirfd itself.
func sysLinkat(f *amd64.TrapFrame) int64 {
	flags := f.R8
	if flags&^(AT_SYMLINK_FOLLOW|AT_EMPTY_PATH) != 0 {
		return -EINVAL
	}
	oldpath, e := userPath(uintptr(f.RSI))
	if e != 0 {
		return e
	}
	newpath, e := userPath(uintptr(f.R10))
	if e != 0 {
		return e
	}
	if len(oldpath) == 0 && flags&AT_EMPTY_PATH == 0 {
		return -ENOENT
	}
	var odir tmpfs.Inode
	oof := -1
	if len(oldpath) == 0 && flags&AT_EMPTY_PATH != 0 && int32(f.RDI) != AT_FDCWD {
		if fileOf(uint64(uint32(f.RDI))) == nil {
			return -EBADF
		}
		if oof = fget(uint64(uint32(f.RDI))); oof < 0 {
			return -EPERM // a console, pipe or poll descriptor
		}
		odir = openFiles[oof].inode
	} else {
		if len(oldpath) == 0 && flags&AT_EMPTY_PATH != 0 {
			oldpath = dots[:1] // AT_FDCWD itself: a directory, EPERM
		}
		if odir, oof, e = atDir(f.RDI, oldpath); e != 0 {
			return e
		}
	}
	ndir, nof, e := atDir(f.RDX, newpath)
	if e != 0 {
		putAt(oof)
		return e
	}
	r := tmpfs.Link(odir, oldpath, ndir, newpath, flags&AT_SYMLINK_FOLLOW != 0)
	putAt(nof)
	putAt(oof)
	return r
}

// readlinkat(dirfd, path, buf, bufsiz): the target of a symbolic link,
// cut to bufsiz, without a NUL; EINVAL for a name that is not a link.
func sysReadlinkat(f *amd64.TrapFrame) int64 {
	if int64(f.R10) <= 0 {
		return -EINVAL
	}
	h, _, e := lookupAt(f.RDI, f.RSI, AT_SYMLINK_NOFOLLOW)
	if e != 0 {
		return e
	}
	// Into a kernel buffer first: Linux writes only the target's bytes,
	// so a bufsiz larger than the buffer is no fault.
	var buf [PATH_MAX]byte
	r := tmpfs.Readlink(h, buf[:min(f.R10, PATH_MAX)])
	tmpfs.Release(h)
	if r > 0 && !copyToUser(uintptr(f.RDX), buf[:r]) {
		return -EFAULT
	}
	return r
}

// symlinkat(target, newdirfd, linkpath).
func sysSymlinkat(f *amd64.TrapFrame) int64 {
	target, e := userPath(uintptr(f.RDI))
	if e != 0 {
		return e
	}
	path, e := userPath(uintptr(f.RDX))
	if e != 0 {
		return e
	}
	dir, of, e := atDir(f.RSI, path)
	if e != 0 {
		return e
	}
	r := tmpfs.Symlink(target, dir, path)
	putAt(of)
	return r
}

// fchmod(fd, mode). On a console, pipe or poll descriptor it is accepted
// and changes nothing.
func sysFchmod(f *amd64.TrapFrame) int64 {
	of, r := fgetTmpfs(f.RDI, 0)
	if of < 0 {
		return r
	}
	tmpfs.Chmod(openFiles[of].inode, uint32(f.RSI))
	fput(of)
	return 0
}

// fchmodat(dirfd, path, mode) and fchmodat2(..., flags).
func sysFchmodat(f *amd64.TrapFrame) int64 { return doChmodat(f, 0) }

func sysFchmodat2(f *amd64.TrapFrame) int64 {
	if f.R10&^(AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH) != 0 {
		return -EINVAL
	}
	return doChmodat(f, f.R10)
}

func doChmodat(f *amd64.TrapFrame, flags uint64) int64 {
	h, ok, e := lookupAt(f.RDI, f.RSI, flags)
	if e != 0 || !ok {
		return e
	}
	r := int64(0)
	if tmpfs.Getattr(h).Mode&tmpfs.S_IFMT == tmpfs.S_IFLNK {
		r = -EOPNOTSUPP // AT_SYMLINK_NOFOLLOW on a link: a link's mode cannot change, as on Linux
	} else {
		tmpfs.Chmod(h, uint32(f.RDX))
	}
	tmpfs.Release(h)
	return r
}

// faccessat(dirfd, path, mode) and faccessat2(..., flags). The caller is
// root: every access is granted, except execution of a file with no
// execute bit (EACCES), as Linux grants root.
func sysFaccessat(f *amd64.TrapFrame) int64 { return doAccess(f, 0) }

func sysFaccessat2(f *amd64.TrapFrame) int64 {
	if f.R10&^(AT_EACCESS|AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH) != 0 {
		return -EINVAL
	}
	return doAccess(f, f.R10)
}

func doAccess(f *amd64.TrapFrame, flags uint64) int64 {
	const X_OK = 1
	if f.RDX&^7 != 0 {
		return -EINVAL
	}
	h, ok, e := lookupAt(f.RDI, f.RSI, flags)
	if e != 0 || !ok {
		return e
	}
	st := tmpfs.Getattr(h)
	tmpfs.Release(h)
	if f.RDX&X_OK != 0 && st.Mode&tmpfs.S_IFMT != tmpfs.S_IFDIR && st.Mode&0o111 == 0 {
		return -EACCES
	}
	return 0
}

// fsync(fd), fdatasync(fd): memory is the storage; nothing to do.
func sysFsync(f *amd64.TrapFrame) int64 {
	of, r := fgetTmpfs(f.RDI, -EINVAL)
	if of < 0 {
		return r
	}
	fput(of)
	return 0
}

// chdir(path), fchdir(fd), getcwd(buf, size), umask(mask).
func sysChdir(f *amd64.TrapFrame) int64 {
	h, _, e := lookupAt(atFdcwd, f.RDI, 0)
	if e != 0 {
		return e
	}
	r := tmpfs.Chdir(h)
	tmpfs.Release(h)
	return r
}

func sysFchdir(f *amd64.TrapFrame) int64 {
	if fileOf(f.RDI) == nil {
		return -EBADF
	}
	of := fget(f.RDI)
	if of < 0 {
		return -ENOTDIR
	}
	r := tmpfs.Chdir(openFiles[of].inode)
	fput(of)
	return r
}

func sysGetcwd(f *amd64.TrapFrame) int64 {
	if f.RDI == 0 {
		return -EFAULT
	}
	if f.RSI == 0 {
		return -ERANGE
	}
	var buf [PATH_MAX]byte // as readlinkat: only the path's bytes are written
	r := tmpfs.Getcwd(buf[:min(f.RSI, PATH_MAX)])
	if r > 0 && !copyToUser(uintptr(f.RDI), buf[:r]) {
		return -EFAULT
	}
	return r
}

func sysUmask(f *amd64.TrapFrame) int64 { return int64(tmpfs.Umask(uint32(f.RDI))) }

// fileGetfl is F_GETFL: the description's access mode and status flags,
// with O_LARGEFILE, which Linux sets on every open of a 64-bit kernel.
func fileGetfl(fd uint64) int64 {
	of := fget(fd)
	if of < 0 {
		return -EBADF
	}
	r := int64(openFiles[of].flags | O_LARGEFILE)
	fput(of)
	return r
}

// fileSetfl is F_SETFL: O_APPEND and O_NONBLOCK may change, as on Linux
// (which also takes O_ASYNC, O_DIRECT and O_NOATIME).
func fileSetfl(fd uint64, flags uint32) {
	const settable = O_APPEND | O_NONBLOCK
	of := fget(fd)
	if of < 0 {
		return
	}
	o := &openFiles[of]
	o.flags = o.flags&^settable | flags&settable
	fput(of)
}

// setupFsTable enters the file-system calls in the dispatch table
// (openat, newfstatat, readlinkat, pread64, fstat and getcwd are entered
// by SetupTable, from before there was a file system).
func setupFsTable() {
	table[SYS_pwrite64] = sysPwrite64
	table[SYS_readv] = sysReadv
	table[SYS_writev] = sysWritev
	table[SYS_lseek] = sysLseek
	table[SYS_mkdirat] = sysMkdirat
	table[SYS_unlinkat] = sysUnlinkat
	table[SYS_renameat] = sysRenameat
	table[SYS_renameat2] = sysRenameat2
	table[SYS_linkat] = sysLinkat
	table[SYS_symlinkat] = sysSymlinkat
	table[SYS_getdents64] = sysGetdents64
	table[SYS_statx] = sysStatx
	table[SYS_fchmod] = sysFchmod
	table[SYS_fchmodat] = sysFchmodat
	table[SYS_fchmodat2] = sysFchmodat2
	table[SYS_faccessat] = sysFaccessat
	table[SYS_faccessat2] = sysFaccessat2
	table[SYS_ftruncate] = sysFtruncate
	table[SYS_truncate] = sysTruncate
	table[SYS_fsync] = sysFsync
	table[SYS_fdatasync] = sysFsync
	table[SYS_chdir] = sysChdir
	table[SYS_fchdir] = sysFchdir
	table[SYS_umask] = sysUmask
	table[SYS_dup] = sysDup
	table[SYS_dup2] = sysDup2
	table[SYS_dup3] = sysDup3
}
