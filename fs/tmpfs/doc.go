// Package tmpfs is the kernel's one file system: an in-memory tree rooted
// at "/", with "/tmp" in it, after Linux's tmpfs (mm/shmem.c) and the
// parts of the VFS that give its system calls their errors (fs/namei.c
// for path walks, fs/open.c, fs/readdir.c, fs/stat.c).
//
// Everything lives in page frames from the frame allocator (mm), never on
// the Go heap, because every entry point runs in SYSCALL context, where
// the kernel must not allocate or store heap pointers:
//
//	inode     one frame per file or directory: its attributes and the
//	          block map of its data pages (inode.go, blockmap.go)
//	data      a regular file's bytes, one frame per 4 KiB page; a page
//	          never written is a hole and reads as zeros
//	dentry    a directory's entries are fixed-size records in the
//	          directory's own data pages, found by a linear scan (dentry.go)
//	symlink   an inode whose one data page holds the target (symlink.go)
//
// Links between these are physical addresses kept as integers (uintptr),
// not Go pointers: the collector has nothing to trace and a store needs
// no write barrier.
//
// Limits. Every frame the file system holds (inodes, map pages, data and
// directory pages) counts against one limit, Linux's size= mount option,
// set from the kernel command line (tmpfs.size=) or SetSizeLimit. A
// request that would pass it fails with ENOSPC; a frame allocator that is
// out of memory gives ENOMEM. There is no table of inodes or names to run
// out of: only memory.
//
// Lifetime. An inode is freed, with all its frames, when it has no links
// (nlink 0) and nothing holds a reference to it: an open file, the
// current directory. Unlinking an open file keeps its data until the
// last close, as on Linux.
//
// Locking. One spinlock (sb.lock) serialises every operation, from the
// first component of a path walk to the last byte copied. It is a
// kernel.SpinLock taken in SYSCALL context, so preemption is off while it
// is held and nothing under it sleeps; the page faults that a copy from
// or to the caller's memory may take only map a frame. Linux takes a
// sleeping lock per inode (i_rwsem) and walks paths under RCU; this
// kernel's sleeping mutex sleeps through a system call and cannot be used
// here, so one lock it is. Its cost is preemption latency: a long write
// keeps preemption off for the length of its copy. A long read lets go
// of the lock between pages when a reschedule is due (Linux's
// cond_resched_lock; file.go says why writes do not).
//
// No defer. A deferred call that the compiler cannot open-code (a
// function with many returns) is recorded on the goroutine, and SYSCALL
// context runs on the kernel's stand-in g: the runtime throws "defer on
// system stack". So each entry point takes the lock, calls its ...Locked
// body and unlocks.
//
// What is not here: permissions (the only user is root), device files,
// and access times (reads do not change atime, as with Linux's noatime).
// Hard links are (Link: a file's nlink counts its names), and symbolic
// links (symlink.go).
package tmpfs
