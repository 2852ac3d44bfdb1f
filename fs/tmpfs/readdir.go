package tmpfs

import "gopreempt/fs/dirent"

// getdents64 (Linux's fs/readdir.c and dcache_readdir). A directory's
// position counts entries: 0 is ".", 1 is "..", and 2+k is record slot k
// (dentry.go); each entry is a struct linux_dirent64 (fs/dirent). The
// call fills whole entries while they fit; if not even the first one
// does, it fails with EINVAL. The position is advanced past what was
// returned, so the next call goes on from there.

var dots = [2]byte{'.', '.'}

func direntType(ip *inode) uint8 {
	switch {
	case ip.isDir():
		return dirent.DT_DIR
	case ip.isLink():
		return dirent.DT_LNK
	}
	return dirent.DT_REG
}

// Getdents fills b with entries of the directory h from *pos on and
// returns the bytes filled (0 at the end). ENOTDIR for a file, ENOENT for
// a directory that was removed.
func Getdents(h Inode, b []byte, pos *int64) int64 {
	lock()
	r0 := getdentsLocked(h, b, pos)
	unlock()
	return r0
}

// getdentsLocked is Getdents with sb.lock held. (No defer: see doc.go.)
func getdentsLocked(h Inode, b []byte, pos *int64) int64 {
	dir := inodeAt(uintptr(h))
	if !dir.isDir() {
		return -ENOTDIR
	}
	if dir.nlink == 0 {
		return -ENOENT
	}
	p := *pos
	if p < 0 {
		return -EINVAL
	}
	n := 0
	for {
		var ip *inode
		var name []byte
		switch {
		case p == 0:
			ip, name = dir, dots[:1]
		case p == 1:
			ip, name = inodeAt(dir.parent), dots[:2]
		default:
			for p-2 < dir.slots {
				if d := slot(dir, p-2); d != nil && d.inode != 0 {
					ip, name = inodeAt(d.inode), d.nameBytes()
					break
				}
				p++
			}
		}
		if ip == nil {
			break // past the last record
		}
		if n+dirent.Len(len(name)) > len(b) {
			if n == 0 {
				return -EINVAL
			}
			break
		}
		n += dirent.Put(b[n:], ip.ino, p+1, direntType(ip), name)
		p++
	}
	*pos = p
	return int64(n)
}
