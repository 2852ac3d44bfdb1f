package tmpfs

// Making and removing names: mkdir, unlink and rmdir (Linux's do_mkdirat,
// do_unlinkat, do_rmdir, with tmpfs's shmem_mkdir and simple_rmdir).

// Mkdir makes the directory path with mode (less the umask). EEXIST if
// the name exists or is "." or ".." or "/"; ENOENT in a removed directory.
func Mkdir(dir Inode, path []byte, mode uint32) int64 {
	lock()
	r0 := mkdirLocked(dir, path, mode)
	unlock()
	return r0
}

// mkdirLocked is Mkdir with sb.lock held. (No defer: see doc.go.)
func mkdirLocked(dir Inode, path []byte, mode uint32) int64 {
	nd, e := walkParent(startDir(dir), path)
	if e != 0 {
		return e
	}
	if nd.lastType != lastNorm || lookup(nd.dir, nd.last) != nil {
		return -EEXIST
	}
	if nd.dir.nlink == 0 {
		return -ENOENT
	}
	ip, e := newInode(S_IFDIR | mode&0o7777&^sb.umask)
	if e != 0 {
		return e
	}
	if e = addEntry(nd.dir, nd.last, ip); e != 0 {
		evictIfUnused(ip)
		return e
	}
	ip.nlink++ // its own "."
	ip.parent = addrOf(nd.dir)
	nd.dir.nlink++ // its ".."
	return 0
}

// Unlink removes the name path: a file (rmdir false) or an empty
// directory (rmdir true). The inode goes when its last reference does.
//
//	unlink: EISDIR for a directory or "."/".."/"/", ENOTDIR for
//	        "file/", ENOENT for a missing name
//	rmdir:  ENOTDIR for a file, ENOTEMPTY for a directory with entries
//	        or "..", EINVAL for ".", EBUSY for "/"
func Unlink(dir Inode, path []byte, rmdir bool) int64 {
	lock()
	r0 := unlinkLocked(dir, path, rmdir)
	unlock()
	return r0
}

// unlinkLocked is Unlink with sb.lock held. (No defer: see doc.go.)
func unlinkLocked(dir Inode, path []byte, rmdir bool) int64 {
	nd, e := walkParent(startDir(dir), path)
	if e != 0 {
		return e
	}
	if rmdir {
		switch nd.lastType {
		case lastDot:
			return -EINVAL
		case lastDotDot:
			return -ENOTEMPTY
		case lastRoot:
			return -EBUSY
		}
	} else if nd.lastType != lastNorm {
		return -EISDIR
	}
	d := findEntry(nd.dir, nd.last)
	if d == nil {
		return -ENOENT
	}
	ip := inodeAt(d.inode)
	if rmdir {
		if !ip.isDir() {
			return -ENOTDIR
		}
		if ip.nent != 0 {
			return -ENOTEMPTY
		}
		removeEntry(nd.dir, d)
		ip.nlink = 0
		nd.dir.nlink--
	} else {
		if ip.isDir() {
			return -EISDIR
		}
		if nd.trailing {
			return -ENOTDIR
		}
		removeEntry(nd.dir, d)
	}
	ip.ctime = now()
	evictIfUnused(ip)
	return 0
}

// Link gives the file at oldpath a second name, newpath (Linux's
// do_linkat with shmem_link). EPERM for a directory; EEXIST if the new
// name exists or is "." or ".."; ENOENT for a new name with a trailing
// slash, in a removed directory, or for an open file that has no name
// left (linked through AT_EMPTY_PATH).
// With follow (AT_SYMLINK_FOLLOW) a symbolic link at oldpath is followed;
// without, the link itself gets the new name.
func Link(olddir Inode, oldpath []byte, newdir Inode, newpath []byte, follow bool) int64 {
	lock()
	r := linkLocked(olddir, oldpath, newdir, newpath, follow)
	unlock()
	return r
}

// linkLocked is Link with sb.lock held. (No defer: see doc.go.)
func linkLocked(olddir Inode, oldpath []byte, newdir Inode, newpath []byte, follow bool) int64 {
	var old *inode
	if len(oldpath) == 0 { // AT_EMPTY_PATH: olddir itself
		old = startDir(olddir)
	} else {
		ip, e := walk(startDir(olddir), oldpath, follow)
		if e != 0 {
			return e
		}
		old = ip
	}
	nd, e := walkParent(startDir(newdir), newpath)
	if e != 0 {
		return e
	}
	if nd.lastType != lastNorm || lookup(nd.dir, nd.last) != nil {
		return -EEXIST
	}
	if nd.trailing || nd.dir.nlink == 0 {
		return -ENOENT
	}
	if old.isDir() {
		return -EPERM
	}
	if old.nlink == 0 {
		return -ENOENT
	}
	if e := addEntry(nd.dir, nd.last, old); e != 0 {
		return e
	}
	old.ctime = now()
	return 0
}
