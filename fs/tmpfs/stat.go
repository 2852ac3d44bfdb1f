package tmpfs

// Attributes: what stat, fstat and statx report (Linux's generic_fillattr
// for a shmem inode), and chmod.

// Kstat is Linux's struct kstat: the attributes, before the system-call
// layer lays them out as struct stat or struct statx.
type Kstat struct {
	Ino     uint64
	Mode    uint32
	Nlink   uint32
	Size    int64
	Blocks  int64 // 512-byte blocks held
	Blksize int64
	Atime   timespec
	Mtime   timespec
	Ctime   timespec
	Btime   timespec
}

// Dev is the device number stat reports for every file here (Linux gives
// each tmpfs mount an anonymous device, major 0).
const Dev = 0x1a

// Getattr returns the attributes of h. Returned by value: see walkParent.
func Getattr(h Inode) Kstat {
	lock()
	r0 := getattrLocked(h)
	unlock()
	return r0
}

// getattrLocked is Getattr with sb.lock held. (No defer: see doc.go.)
func getattrLocked(h Inode) Kstat {
	ip := inodeAt(uintptr(h))
	return Kstat{
		Ino: ip.ino, Mode: ip.mode, Nlink: ip.nlink, Size: ip.size,
		Blocks: ip.pages * 8, Blksize: 4096,
		Atime: ip.atime, Mtime: ip.mtime, Ctime: ip.ctime, Btime: ip.btime,
	}
}

// Chmod sets the permission bits (mode & 07777) and the change time.
func Chmod(h Inode, mode uint32) {
	lock()
	ip := inodeAt(uintptr(h))
	ip.mode = ip.mode&S_IFMT | mode&0o7777
	ip.ctime = now()
	unlock()
}
