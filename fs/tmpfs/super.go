package tmpfs

import (
	"gopreempt/internal/addr"
	"gopreempt/kernel"
	"gopreempt/mm"
)

// The superblock: the state of the one mounted tmpfs. Linux keeps it in
// struct shmem_sb_info (max_blocks, used_blocks, max_inodes); here it is
// a package variable in the kernel image's BSS.
var sb struct {
	// lock serialises everything in this package. It is a zero value in
	// BSS, not NewSpinLock's: the runtime's first probe (openat of
	// /sys/kernel/mm/transparent_hugepage/hpage_pmd_size) comes before
	// any package is initialised.
	lock kernel.SpinLock

	mounted bool
	root    uintptr // the root directory's inode; it holds a reference on itself
	cwd     uintptr // the process's current directory (one process), referenced
	umask   uint32

	limitSet bool   // SetSizeLimit was called; otherwise half of RAM at mount
	limit    uint64 // frames the file system may hold; 0: no limit
	used     uint64 // frames it holds: inodes, map, data and directory pages
	inodes   uint64 // live inodes
	nextIno  uint64

	lockBreaks uint64 // condReschedLock let go of the lock for a reschedule
}

// mount makes the root directory and /tmp, the first time any entry
// point runs. It is not done at boot because the kernel's clock, which
// dates the two directories, is set after the system-call layer is.
// sb.lock is held.
func mount() {
	if sb.mounted {
		return
	}
	sb.mounted = true
	sb.umask = 0o022
	sb.nextIno = 1
	if !sb.limitSet {
		_, total := mm.FreeFrames()
		sb.limit = total / 2 // Linux's default size=: half of RAM
	}
	root, e := newInode(S_IFDIR | 0o755)
	if e != 0 {
		kernel.KernelPanic("tmpfs: no memory for the root directory", uint64(-e))
	}
	root.nlink = 2
	root.parent = addrOf(root)
	root.refs = 2 // the mount, and the current directory
	sb.root = addrOf(root)
	sb.cwd = sb.root
	tmp, e := newInode(S_IFDIR | 0o1777)
	if e == 0 {
		e = addEntry(root, tmpName[:], tmp)
	}
	if e != 0 {
		kernel.KernelPanic("tmpfs: no memory for /tmp", uint64(-e))
	}
	tmp.nlink = 2
	tmp.parent = sb.root
	root.nlink++
}

var tmpName = [3]byte{'t', 'm', 'p'}

// lock takes sb.lock and mounts the file system if this is its first use.
func lock() {
	sb.lock.Lock()
	mount()
}

func unlock() { sb.lock.Unlock() }

// condReschedLock is Linux's cond_resched_lock(&sb.lock): if a reschedule
// is due, drop the lock, let the scheduler run (the unlock's
// preempt_enable() is the preemption point under preempt=full,
// cond_resched() under the other models), and take the lock again. It
// reports whether it did; the caller must then look again at whatever
// the lock protects.
func condReschedLock() bool {
	if !kernel.NeedResched() {
		return false
	}
	sb.lockBreaks++
	sb.lock.Unlock()
	kernel.CondResched()
	sb.lock.Lock()
	return true
}

// LockBreaks counts the times condReschedLock let go of the lock. Tests
// use it to see that a long operation gives the CPU up.
func LockBreaks() uint64 {
	lock()
	n := sb.lockBreaks
	unlock()
	return n
}

// SetSizeLimit sets the file system's size (Linux's size=), in bytes,
// rounded up to whole pages; 0 means no limit, and a negative size the
// default, half of RAM. Frames already held stay; new ones are refused
// with ENOSPC while the file system holds the limit or more.
// Task or SYSCALL context.
func SetSizeLimit(bytes int64) {
	sb.lock.Lock()
	switch {
	case bytes < 0:
		sb.limitSet = false
		_, total := mm.FreeFrames()
		sb.limit = total / 2
	default:
		sb.limitSet = true
		sb.limit = (uint64(bytes) + mm.PageSize - 1) / mm.PageSize
	}
	sb.lock.Unlock()
}

// Usage reports what the file system holds: frames in use, its limit in
// frames (0: none) and live inodes. Tests use it to see that removing a
// file gives its frames back.
func Usage() (frames, limit, inodes uint64) {
	lock()
	frames, limit, inodes = sb.used, sb.limit, sb.inodes
	unlock()
	return
}

// allocPage takes a zeroed frame for the file system, or fails with
// -ENOSPC at the size limit and -ENOMEM when the machine has no free
// frame. sb.lock is held.
func allocPage() (uint64, int64) {
	if sb.limit != 0 && sb.used >= sb.limit {
		return 0, -ENOSPC
	}
	pa := mm.AllocFrame()
	if pa == 0 {
		return 0, -ENOMEM
	}
	sb.used++
	return pa, 0
}

// freePage gives a frame back. sb.lock is held.
func freePage(pa uint64) {
	mm.FreeFrame(pa)
	sb.used--
}

// pageBytes is the frame at pa as a byte array (the identity map makes a
// physical address a kernel address).
func pageBytes(pa uint64) *[mm.PageSize]byte {
	return (*[mm.PageSize]byte)(addr.Ptr(uintptr(pa)))
}

// now is the time stamp for inode times: the kernel's wall clock.
func now() timespec {
	ns := kernel.Realtime()
	return timespec{Sec: ns / 1e9, Nsec: ns % 1e9}
}
