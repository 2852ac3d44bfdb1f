package tmpfs

// The current directory and the umask: one process, so one of each
// (Linux keeps them in fs_struct). The current directory holds a
// reference on its inode, so a directory removed while it is current
// stays readable (and empty) until the process leaves it.

// Chdir makes h, a directory, the current directory (ENOTDIR otherwise).
func Chdir(h Inode) int64 {
	lock()
	r0 := chdirLocked(h)
	unlock()
	return r0
}

// chdirLocked is Chdir with sb.lock held. (No defer: see doc.go.)
func chdirLocked(h Inode) int64 {
	ip := inodeAt(uintptr(h))
	if !ip.isDir() {
		return -ENOTDIR
	}
	iget(ip)
	old := inodeAt(sb.cwd)
	sb.cwd = addrOf(ip)
	iput(old)
	return 0
}

// Getcwd writes the current directory's absolute path, NUL-terminated,
// into b and returns its length with the NUL (Linux's getcwd system
// call). ERANGE if b is too small; ENOENT if the directory was removed.
func Getcwd(b []byte) int64 {
	lock()
	r0 := getcwdLocked(b)
	unlock()
	return r0
}

// getcwdLocked is Getcwd with sb.lock held. (No defer: see doc.go.)
func getcwdLocked(b []byte) int64 {
	ip := inodeAt(sb.cwd)
	if ip.nlink == 0 {
		return -ENOENT
	}
	// Build the path from the end of b backwards, a name per parent.
	end := len(b)
	if end < 1 {
		return -ERANGE
	}
	end--
	b[end] = 0
	p := end
	for addrOf(ip) != sb.root {
		parent := inodeAt(ip.parent)
		name := nameOf(parent, ip)
		if p < len(name)+1 {
			return -ERANGE
		}
		p -= len(name)
		copy(b[p:], name)
		p--
		b[p] = '/'
		ip = parent
	}
	if p == end {
		if p < 1 {
			return -ERANGE
		}
		p--
		b[p] = '/'
	}
	n := copy(b, b[p:end+1])
	return int64(n)
}

// Umask sets the file-creation mask and returns the old one.
func Umask(mask uint32) uint32 {
	lock()
	r0 := umaskLocked(mask)
	unlock()
	return r0
}

// umaskLocked is Umask with sb.lock held. (No defer: see doc.go.)
func umaskLocked(mask uint32) uint32 {
	old := sb.umask
	sb.umask = mask & 0o777
	return old
}
