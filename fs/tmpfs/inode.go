package tmpfs

import (
	"unsafe"

	"gopreempt/internal/addr"
	"gopreempt/kernel"
	"gopreempt/mm"
)

// An inode is one frame: the attributes of a file or directory and the
// block map that finds its data pages (blockmap.go). A directory's
// entries are records in its data pages (dentry.go), so both kinds share
// the map. Linux's shmem inode keeps its pages in the page cache's
// xarray; the map here is the classic Unix one (direct, indirect and
// double-indirect slots), which is easy to draw and to check.
//
// Fields that name other inodes (parent, and dirent.inode) are frame
// addresses, uintptr, so that storing them is a plain integer store.
type inode struct {
	ino   uint64
	mode  uint32 // S_IFDIR or S_IFREG, and the permission bits
	nlink uint32 // links from directories (a directory: 2 + subdirectories)
	refs  int64  // open files and the current directory that hold it
	size  int64  // bytes; a directory reports Linux tmpfs's bogus size
	pages int64  // data pages held (st_blocks is pages * 8)

	parent uintptr // a directory's parent (".."); the root's is itself
	nent   int64   // a directory's live entries
	slots  int64   // a directory's record slots in use or freed (high water)

	atime, mtime, ctime, btime timespec

	direct    [nDirect]uint64 // data pages 0..nDirect-1
	indirect  uint64          // a page of ptrsPerPage data page addresses
	dindirect uint64          // a page of indirect pages
}

type timespec struct{ Sec, Nsec int64 }

const (
	S_IFMT  = 0o170000
	S_IFDIR = 0o040000
	S_IFREG = 0o100000

	nDirect     = 480
	ptrsPerPage = mm.PageSize / 8

	// bogoDirentSize is what each entry adds to a directory's size, as
	// in Linux's tmpfs (BOGO_DIRENT_SIZE): sizes that grow with the
	// number of entries, for programs that look.
	bogoDirentSize = 20
)

// The inode must fit its frame (a negative array length stops the build).
var _ [mm.PageSize - unsafe.Sizeof(inode{})]byte

func inodeAt(a uintptr) *inode { return (*inode)(addr.Ptr(a)) }

func addrOf(ip *inode) uintptr { return uintptr(unsafe.Pointer(ip)) }

func (ip *inode) isDir() bool { return ip.mode&S_IFMT == S_IFDIR }

// newInode takes a frame for a new inode with the given type and mode,
// nlink 0 and no references: the caller links it. sb.lock is held.
func newInode(mode uint32) (*inode, int64) {
	pa, e := allocPage()
	if e != 0 {
		return nil, e
	}
	ip := inodeAt(uintptr(pa))
	ip.ino = sb.nextIno
	sb.nextIno++
	sb.inodes++
	ip.mode = mode
	t := now()
	ip.atime, ip.mtime, ip.ctime, ip.btime = t, t, t, t
	if ip.isDir() {
		ip.size = 2 * bogoDirentSize
	}
	return ip, 0
}

// iget takes a reference (Linux's ihold). sb.lock is held.
func iget(ip *inode) { ip.refs++ }

// iput drops a reference and frees the inode if it was the last and no
// link is left. sb.lock is held.
func iput(ip *inode) {
	ip.refs--
	if ip.refs < 0 {
		kernel.KernelPanic("tmpfs: inode reference count below zero, ino", ip.ino)
	}
	evictIfUnused(ip)
}

// evictIfUnused frees an inode that nothing names and nothing holds:
// its data pages, map pages and the inode frame itself (Linux's
// shmem_evict_inode). sb.lock is held.
func evictIfUnused(ip *inode) {
	if ip.nlink != 0 || ip.refs != 0 {
		return
	}
	truncatePages(ip, 0)
	sb.inodes--
	freePage(uint64(addrOf(ip)))
}

// touch marks a change of the contents (mtime and ctime).
func (ip *inode) touch() {
	t := now()
	ip.mtime, ip.ctime = t, t
}
