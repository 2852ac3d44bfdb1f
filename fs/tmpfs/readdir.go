package tmpfs

import "encoding/binary"

// getdents64 (Linux's fs/readdir.c and dcache_readdir). A directory's
// position counts entries: 0 is ".", 1 is "..", and 2+k is record slot k
// (dentry.go). Each entry is a struct linux_dirent64:
//
//	offset  0  d_ino     u64
//	offset  8  d_off     s64  the position after this entry
//	offset 16  d_reclen  u16  the record's length, a multiple of 8
//	offset 18  d_type    u8   DT_DIR, DT_REG
//	offset 19  d_name         the name and a NUL, then zero padding
//
// The call fills whole entries while they fit; if not even the first one
// does, it fails with EINVAL. The position is advanced past what was
// returned, so the next call goes on from there.
const (
	DT_DIR = 4
	DT_REG = 8

	direntHeader = 19
)

var dots = [2]byte{'.', '.'}

// DirentLen is the length of the linux_dirent64 record for a name of n
// bytes: the header, the name, its NUL, rounded up to 8.
func DirentLen(n int) int { return (direntHeader + n + 1 + 7) &^ 7 }

// PutDirent encodes one linux_dirent64 at the start of b, which must
// hold DirentLen(len(name)) bytes, and returns its length.
func PutDirent(b []byte, ino uint64, off int64, typ uint8, name []byte) int {
	n := DirentLen(len(name))
	binary.LittleEndian.PutUint64(b[0:], ino)
	binary.LittleEndian.PutUint64(b[8:], uint64(off))
	binary.LittleEndian.PutUint16(b[16:], uint16(n))
	b[18] = typ
	copy(b[direntHeader:], name)
	clear(b[direntHeader+len(name) : n])
	return n
}

func direntType(ip *inode) uint8 {
	if ip.isDir() {
		return DT_DIR
	}
	return DT_REG
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
		if n+DirentLen(len(name)) > len(b) {
			if n == 0 {
				return -EINVAL
			}
			break
		}
		n += PutDirent(b[n:], ip.ino, p+1, direntType(ip), name)
		p++
	}
	*pos = p
	return int64(n)
}
