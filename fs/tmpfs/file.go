package tmpfs

import "gopreempt/mm"

// File data: read, write and truncate on a regular file (Linux's
// shmem_file_read_iter, shmem_write_begin/end, shmem_setattr). The
// position is the caller's (its open file description's f_pos), read
// and advanced here under sb.lock, so that two threads reading through
// one description take turns, as Linux's f_pos_lock makes them.
//
// A long read lets go of sb.lock between pages when a reschedule is due
// (condReschedLock, Linux's cond_resched_lock), so that its copy does not
// keep preemption off for its whole length; it may then see a write that
// happened meanwhile, as a Linux read, which takes no inode lock, may. A
// write holds the lock to its end: that is what makes a write, and an
// O_APPEND write's place at the end, atomic, which Linux gets from the
// sleeping i_rwsem that this kernel cannot take in SYSCALL context.
//
// SYSCALL context: the copies touch the caller's memory directly and
// may fault pages of it in.

// Inode is an open file's handle on its inode: the inode frame's address.
// Whoever holds one holds a reference (from Open or Lookup), given back
// with Release.
type Inode uintptr

// Read copies from the file at *pos into b, advances *pos and returns the
// byte count: 0 at or past the end, -EISDIR for a directory.
func Read(h Inode, b []byte, pos *int64) int64 {
	lock()
	r0 := readLocked(h, b, pos)
	unlock()
	return r0
}

// readLocked is Read with sb.lock held. (No defer: see doc.go.)
func readLocked(h Inode, b []byte, pos *int64) int64 {
	ip := inodeAt(uintptr(h))
	if ip.isDir() {
		return -EISDIR
	}
	off := *pos
	if off < 0 {
		return -EINVAL
	}
	if off >= ip.size || len(b) == 0 {
		return 0
	}
	n := min(int64(len(b)), ip.size-off)
	for done := int64(0); done < n; {
		o := off + done
		in := o % mm.PageSize
		c := min(n-done, mm.PageSize-in)
		dst := b[done : done+c]
		if pa := page(ip, o/mm.PageSize); pa != 0 {
			copy(dst, pageBytes(pa)[in:in+c])
		} else {
			clear(dst) // a hole
		}
		done += c
		if done < n && condReschedLock() {
			// The file may have shrunk while the lock was dropped.
			n = max(done, min(n, ip.size-off))
		}
	}
	*pos = off + n
	return n
}

// Write copies b into the file at *pos (at its end, with appendMode),
// taking the pages it needs, and advances *pos. A write that runs into
// the size limit or out of memory stops there and returns what it wrote,
// or -ENOSPC/-ENOMEM if that is nothing; past MaxFileSize it is -EFBIG.
func Write(h Inode, b []byte, pos *int64, appendMode bool) int64 {
	lock()
	r0 := writeLocked(h, b, pos, appendMode)
	unlock()
	return r0
}

// writeLocked is Write with sb.lock held. (No defer: see doc.go.)
func writeLocked(h Inode, b []byte, pos *int64, appendMode bool) int64 {
	ip := inodeAt(uintptr(h))
	off := *pos
	if appendMode {
		off = ip.size
	}
	if off < 0 {
		return -EINVAL
	}
	if len(b) == 0 {
		return 0
	}
	if off >= MaxFileSize {
		return -EFBIG
	}
	n := min(int64(len(b)), MaxFileSize-off)
	var done, e int64
	for done < n {
		o := off + done
		in := o % mm.PageSize
		c := min(n-done, mm.PageSize-in)
		ps, err := pageSlot(ip, o/mm.PageSize, true)
		if ps == nil {
			e = err
			break
		}
		if *ps == 0 {
			pa, err := allocPage()
			if err != 0 {
				e = err
				break
			}
			*ps = pa
			ip.pages++
		}
		copy(pageBytes(*ps)[in:in+c], b[done:done+c])
		done += c
	}
	if done == 0 {
		return e
	}
	if off+done > ip.size {
		ip.size = off + done
	}
	ip.touch()
	*pos = off + done
	return done
}

// Truncate sets a regular file's size (ftruncate, truncate, O_TRUNC).
// Shrinking frees the pages past the new end and zeroes the rest of the
// last page, so that growing the file again shows zeros there. Growing
// takes no pages: the new part is a hole.
func Truncate(h Inode, size int64) int64 {
	lock()
	r0 := truncateLocked(h, size)
	unlock()
	return r0
}

// truncateLocked is Truncate with sb.lock held. (No defer: see doc.go.)
func truncateLocked(h Inode, size int64) int64 {
	return truncate(inodeAt(uintptr(h)), size)
}

func truncate(ip *inode, size int64) int64 {
	if ip.isDir() {
		return -EISDIR
	}
	if size < 0 {
		return -EINVAL
	}
	if size > MaxFileSize {
		return -EFBIG
	}
	if size < ip.size {
		truncatePages(ip, (size+mm.PageSize-1)/mm.PageSize)
		if in := size % mm.PageSize; in != 0 {
			if pa := page(ip, size/mm.PageSize); pa != 0 {
				clear(pageBytes(pa)[in:])
			}
		}
	}
	ip.size = size
	ip.touch()
	return 0
}

// Whence values of lseek.
const (
	SEEK_SET  = 0
	SEEK_CUR  = 1
	SEEK_END  = 2
	SEEK_DATA = 3
	SEEK_HOLE = 4
	ENXIO     = 6
)

// Lseek moves *pos (lseek(2)) and returns the new position. SEEK_DATA and
// SEEK_HOLE treat the whole file as data, which lseek(2) allows; a
// directory's position (readdir.go) moves only with SEEK_SET and SEEK_CUR,
// as Linux's dcache_dir_lseek. A negative result is EINVAL.
func Lseek(h Inode, pos *int64, off int64, whence int) int64 {
	lock()
	r0 := lseekLocked(h, pos, off, whence)
	unlock()
	return r0
}

// lseekLocked is Lseek with sb.lock held. (No defer: see doc.go.)
func lseekLocked(h Inode, pos *int64, off int64, whence int) int64 {
	ip := inodeAt(uintptr(h))
	var n int64
	switch whence {
	case SEEK_SET:
		n = off
	case SEEK_CUR:
		n = *pos + off
		if off > 0 && n < *pos {
			return -EINVAL // overflow
		}
	case SEEK_END, SEEK_DATA, SEEK_HOLE:
		if ip.isDir() {
			return -EINVAL
		}
		switch whence {
		case SEEK_END:
			n = ip.size + off
		case SEEK_DATA:
			if off >= ip.size {
				return -ENXIO
			}
			n = off
		case SEEK_HOLE:
			if off >= ip.size {
				return -ENXIO
			}
			n = ip.size
		}
	default:
		return -EINVAL
	}
	if n < 0 {
		return -EINVAL
	}
	*pos = n
	return n
}
