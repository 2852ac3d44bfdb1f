package tmpfs

// Opening and looking up (Linux's path_openat and filename_lookup, with
// the checks of do_open and may_open). The open file description itself
// (position, flags) is the system-call layer's; this package hands it a
// referenced inode.

// Open flags this package acts on (x86-64 values, as in asm-generic
// fcntl.h); the caller has checked the others.
const (
	O_CREAT     = 0o100
	O_EXCL      = 0o200
	O_TRUNC     = 0o1000
	O_DIRECTORY = 0o200000
	O_NOFOLLOW  = 0o400000
	O_PATH      = 0o10000000
)

// Open finds or creates the file at path, relative to dir (0: the
// current directory), and returns a referenced handle and whether it is
// a directory. write is whether the caller asked for write access. The
// errors, in Linux's order: the walk's; EISDIR for O_CREAT on "." or a
// name with a trailing slash; EEXIST for O_CREAT|O_EXCL on an existing
// name; EISDIR for O_CREAT, write access or O_TRUNC on a directory;
// ENOTDIR for O_DIRECTORY (or a trailing slash) on a file; ENOENT for a
// missing name without O_CREAT, or with it in a removed directory.
func Open(dir Inode, path []byte, flags uint32, mode uint32, write bool) (Inode, bool, int64) {
	lock()
	r0, r1, r2 := openLocked(dir, path, flags, mode, write)
	unlock()
	return r0, r1, r2
}

// openLocked is Open with sb.lock held. (No defer: see doc.go.)
func openLocked(dir Inode, path []byte, flags uint32, mode uint32, write bool) (Inode, bool, int64) {
	links := 0
	nd, e := walkParentN(startDir(dir), path, &links)
	if e != 0 {
		return 0, false, e
	}
	var ip *inode
	created := false
	if flags&O_CREAT == 0 {
		if ip = nd.lastInode(); ip == nil {
			return 0, false, -ENOENT
		}
		if ip.isLink() {
			switch {
			case flags&(O_NOFOLLOW|O_PATH) == O_NOFOLLOW|O_PATH:
				// the link itself: it can be stat'ed and named
			case flags&O_NOFOLLOW != 0:
				return 0, false, -ELOOP
			default:
				if ip, e = followLink(nd.dir, ip, &links); e != 0 {
					return 0, false, e
				}
			}
		}
		if (nd.trailing || flags&O_DIRECTORY != 0) && !ip.isDir() {
			return 0, false, -ENOTDIR
		}
	} else {
		if nd.lastType != lastNorm || nd.trailing {
			return 0, false, -EISDIR
		}
		// A link as the name to create: the name created (or opened)
		// is its target's, as on Linux; O_EXCL and O_NOFOLLOW refuse it.
		for ip = lookup(nd.dir, nd.last); ip != nil && ip.isLink(); ip = lookup(nd.dir, nd.last) {
			if flags&O_EXCL != 0 {
				return 0, false, -EEXIST
			}
			if flags&O_NOFOLLOW != 0 {
				return 0, false, -ELOOP
			}
			if links++; links > maxSymlinks {
				return 0, false, -ELOOP
			}
			if nd, e = walkParentN(nd.dir, linkTarget(ip), &links); e != 0 {
				return 0, false, e
			}
			if nd.lastType != lastNorm || nd.trailing {
				return 0, false, -EISDIR
			}
		}
		if ip == nil {
			if nd.dir.nlink == 0 {
				return 0, false, -ENOENT // the directory was removed
			}
			if ip, e = newInode(S_IFREG | mode&0o7777&^sb.umask); e != 0 {
				return 0, false, e
			}
			if e = addEntry(nd.dir, nd.last, ip); e != 0 {
				evictIfUnused(ip)
				return 0, false, e
			}
			created = true
		} else if flags&O_EXCL != 0 {
			return 0, false, -EEXIST
		}
	}
	if ip.isDir() && (write || flags&(O_CREAT|O_TRUNC) != 0) {
		return 0, false, -EISDIR
	}
	if flags&O_TRUNC != 0 && !created {
		truncate(ip, 0)
	}
	iget(ip)
	return Inode(addrOf(ip)), ip.isDir(), 0
}

// Lookup returns a referenced handle on what path names (stat, chmod,
// chdir, readlink, access); follow says whether a symbolic link as the
// last component is followed (stat) or named itself (lstat, readlink).
func Lookup(dir Inode, path []byte, follow bool) (Inode, int64) {
	lock()
	r0, r1 := lookupLocked(dir, path, follow)
	unlock()
	return r0, r1
}

// lookupLocked is Lookup with sb.lock held. (No defer: see doc.go.)
func lookupLocked(dir Inode, path []byte, follow bool) (Inode, int64) {
	ip, e := walk(startDir(dir), path, follow)
	if e != 0 {
		return 0, e
	}
	iget(ip)
	return Inode(addrOf(ip)), 0
}

// Hold takes one more reference on a handle the caller holds (dup of a
// description is the caller's business; this is for the current
// directory and the like).
func Hold(h Inode) {
	lock()
	iget(inodeAt(uintptr(h)))
	unlock()
}

// Release gives a reference back. The last one on an inode with no links
// frees it and its pages.
func Release(h Inode) {
	lock()
	iput(inodeAt(uintptr(h)))
	unlock()
}
