package tmpfs

import "gopreempt/mm"

// Symbolic links (Linux's shmem_symlink, and the link following of
// fs/namei.c). A link is an inode of type S_IFLNK whose one data page
// holds the target path; its size is the target's length. A walk that
// meets a link where it needs a directory (any component but the last)
// walks the target from the directory that holds the link (from the root
// if it is absolute), and goes on from where that ends; the last
// component is followed or not as the call says (stat follows, lstat
// does not; unlink, rename and readlink act on the link itself). Every
// link followed in one walk counts, nested or not: past maxSymlinks
// (Linux's MAXSYMLINKS, 40) the walk fails with ELOOP, which is also
// what ends a link that names itself.

const (
	S_IFLNK     = 0o120000
	maxSymlinks = 40
	ELOOP       = 40
)

func (ip *inode) isLink() bool { return ip.mode&S_IFMT == S_IFLNK }

// linkTarget is the path a link holds.
func linkTarget(ip *inode) []byte {
	return pageBytes(ip.direct[0])[:ip.size]
}

// followLink resolves link, found in dir, to what its target names,
// following a link at the target's end too.
func followLink(dir, link *inode, links *int) (*inode, int64) {
	*links++
	if *links > maxSymlinks {
		return nil, -ELOOP
	}
	nd, e := walkParentN(dir, linkTarget(link), links)
	if e != 0 {
		return nil, e
	}
	return resolveLast(&nd, true, links)
}

// Symlink makes linkpath a symbolic link to target. ENOENT for an empty
// target (as Linux), ENAMETOOLONG for one that does not fit a page with
// its NUL; EEXIST if the name exists or is "." or ".."; ENOENT for a
// trailing slash or a removed directory.
func Symlink(target []byte, dir Inode, linkpath []byte) int64 {
	lock()
	r := symlinkLocked(target, dir, linkpath)
	unlock()
	return r
}

// symlinkLocked is Symlink with sb.lock held. (No defer: see doc.go.)
func symlinkLocked(target []byte, dir Inode, linkpath []byte) int64 {
	if len(target) == 0 {
		return -ENOENT
	}
	if len(target) >= mm.PageSize {
		return -ENAMETOOLONG
	}
	nd, e := walkParent(startDir(dir), linkpath)
	if e != 0 {
		return e
	}
	if nd.lastType != lastNorm || lookup(nd.dir, nd.last) != nil {
		return -EEXIST
	}
	if nd.trailing || nd.dir.nlink == 0 {
		return -ENOENT
	}
	ip, e := newInode(S_IFLNK | 0o777)
	if e != 0 {
		return e
	}
	pa, e := allocPage()
	if e != 0 {
		evictIfUnused(ip)
		return e
	}
	ip.direct[0] = pa
	ip.pages = 1
	ip.size = int64(copy(pageBytes(pa)[:], target))
	if e = addEntry(nd.dir, nd.last, ip); e != 0 {
		evictIfUnused(ip)
		return e
	}
	return 0
}

// Readlink copies the target of the link h into b, cut to b's length (no
// NUL, as readlink(2)), and returns the bytes copied; EINVAL if h is not
// a symbolic link.
func Readlink(h Inode, b []byte) int64 {
	lock()
	r := int64(-EINVAL)
	if ip := inodeAt(uintptr(h)); ip.isLink() {
		r = int64(copy(b, linkTarget(ip)))
	}
	unlock()
	return r
}
