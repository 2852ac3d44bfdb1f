package linux

import (
	"encoding/binary"

	"gopreempt/arch/amd64"
	"gopreempt/fs/tmpfs"
)

// stat, fstat, newfstatat and statx: the attributes of a file (tmpfs's
// Kstat) laid out as the x86-64 ABI's struct stat or as struct statx
// (include/uapi/linux/stat.h). A console, pipe or poll descriptor is
// reported as a character device, as before there was a file system.
//
// struct stat, 144 bytes:
//
//	 0 st_dev      8 st_ino     16 st_nlink (u64)  24 st_mode (u32)
//	28 st_uid     32 st_gid     40 st_rdev         48 st_size
//	56 st_blksize 64 st_blocks  72 st_atime, 80 nsec  88 st_mtime, 96 nsec
//	104 st_ctime, 112 nsec      120..143 unused
//
// struct statx, 256 bytes:
//
//	 0 stx_mask (u32)  4 stx_blksize (u32)  8 stx_attributes
//	16 stx_nlink (u32) 20 stx_uid 24 stx_gid 28 stx_mode (u16)
//	32 stx_ino  40 stx_size  48 stx_blocks  56 stx_attributes_mask
//	64 stx_atime 80 stx_btime 96 stx_ctime 112 stx_mtime (s64 sec, u32 nsec, pad)
//	128 stx_rdev_major 132 stx_rdev_minor 136 stx_dev_major 140 stx_dev_minor
const (
	sizeofStat  = 144
	sizeofStatx = 256

	STATX_BASIC_STATS = 0x7ff
	STATX_BTIME       = 0x800
	STATX__RESERVED   = 0x80000000
)

const S_IFCHR = 0o020000

// charDevStat is what a descriptor that is not a tmpfs file reports.
func charDevStat() tmpfs.Kstat {
	return tmpfs.Kstat{Mode: S_IFCHR | 0o620, Nlink: 1, Blksize: 1024}
}

// statFd returns the attributes of an open descriptor.
func statFd(fd uint64) (tmpfs.Kstat, int64) {
	if fileOf(fd) == nil {
		return tmpfs.Kstat{}, -EBADF
	}
	of := fget(fd)
	if of < 0 {
		return charDevStat(), 0
	}
	st := tmpfs.Getattr(openFiles[of].inode)
	fput(of)
	return st, 0
}

// statAt returns the attributes of what (dirfd, path) names, with
// AT_EMPTY_PATH for dirfd itself.
func statAt(dirfd, p, flags uint64) (tmpfs.Kstat, int64) {
	h, ok, e := lookupAt(dirfd, p, flags)
	if e != 0 {
		return tmpfs.Kstat{}, e
	}
	if !ok {
		return charDevStat(), 0
	}
	st := tmpfs.Getattr(h)
	tmpfs.Release(h)
	return st, 0
}

func putStat(b []byte, st *tmpfs.Kstat) {
	clear(b)
	le := binary.LittleEndian
	if st.Mode&tmpfs.S_IFMT != S_IFCHR {
		le.PutUint64(b[0:], tmpfs.Dev)
	}
	le.PutUint64(b[8:], st.Ino)
	le.PutUint64(b[16:], uint64(st.Nlink))
	le.PutUint32(b[24:], st.Mode)
	le.PutUint64(b[48:], uint64(st.Size))
	le.PutUint64(b[56:], uint64(st.Blksize))
	le.PutUint64(b[64:], uint64(st.Blocks))
	for i, t := range [3]struct{ s, n int64 }{
		{st.Atime.Sec, st.Atime.Nsec}, {st.Mtime.Sec, st.Mtime.Nsec}, {st.Ctime.Sec, st.Ctime.Nsec},
	} {
		le.PutUint64(b[72+16*i:], uint64(t.s))
		le.PutUint64(b[80+16*i:], uint64(t.n))
	}
}

func putStatx(b []byte, st *tmpfs.Kstat) {
	clear(b)
	le := binary.LittleEndian
	mask := uint32(STATX_BASIC_STATS)
	if st.Mode&tmpfs.S_IFMT != S_IFCHR { // a tmpfs file
		mask |= STATX_BTIME
		le.PutUint32(b[140:], tmpfs.Dev)
	}
	le.PutUint32(b[0:], mask)
	le.PutUint32(b[4:], uint32(st.Blksize))
	le.PutUint32(b[16:], st.Nlink)
	le.PutUint16(b[28:], uint16(st.Mode))
	le.PutUint64(b[32:], st.Ino)
	le.PutUint64(b[40:], uint64(st.Size))
	le.PutUint64(b[48:], uint64(st.Blocks))
	for i, t := range [4]struct{ s, n int64 }{
		{st.Atime.Sec, st.Atime.Nsec}, {st.Btime.Sec, st.Btime.Nsec},
		{st.Ctime.Sec, st.Ctime.Nsec}, {st.Mtime.Sec, st.Mtime.Nsec},
	} {
		le.PutUint64(b[64+16*i:], uint64(t.s))
		le.PutUint32(b[72+16*i:], uint32(t.n))
	}
}

// fstat(fd, statbuf).
func sysFstat(f *amd64.TrapFrame) int64 {
	st, e := statFd(f.RDI)
	if e != 0 {
		return e
	}
	b, ok := userSlice(uintptr(f.RSI), sizeofStat, true)
	if !ok {
		return -EFAULT
	}
	putStat(b, &st)
	return 0
}

// newfstatat(dirfd, path, statbuf, flags): AT_SYMLINK_NOFOLLOW (lstat:
// a symbolic link itself), AT_NO_AUTOMOUNT, AT_EMPTY_PATH.
func sysNewfstatat(f *amd64.TrapFrame) int64 {
	if f.R10&^(AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT|AT_EMPTY_PATH) != 0 {
		return -EINVAL
	}
	st, e := statAt(f.RDI, f.RSI, f.R10)
	if e != 0 {
		return e
	}
	b, ok := userSlice(uintptr(f.RDX), sizeofStat, true)
	if !ok {
		return -EFAULT
	}
	putStat(b, &st)
	return 0
}

// statx(dirfd, path, flags, mask, statxbuf). Every basic field and the
// birth time are filled whatever the mask asks, which statx(2) allows.
func sysStatx(f *amd64.TrapFrame) int64 {
	flags := f.RDX
	if flags&^(AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT|AT_EMPTY_PATH|AT_STATX_SYNC_TYPE) != 0 ||
		flags&AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE || f.R10&STATX__RESERVED != 0 {
		return -EINVAL
	}
	st, e := statAt(f.RDI, f.RSI, flags)
	if e != 0 {
		return e
	}
	b, ok := userSlice(uintptr(f.R8), sizeofStatx, true)
	if !ok {
		return -EFAULT
	}
	putStatx(b, &st)
	return 0
}
