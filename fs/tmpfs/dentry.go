package tmpfs

import (
	"unsafe"

	"gopreempt/internal/addr"
	"gopreempt/mm"
)

// Directory entries. Linux's tmpfs keeps a directory's names only in the
// dentry cache (a tmpfs directory has no data of its own); this one keeps
// them where a disk file system would, as fixed-size records in the
// directory's data pages, slot k in page k/recordsPerPage. A record with
// inode 0 is free. Removing a name frees its record and never moves
// another, so a slot number is a stable position: getdents64 resumes from
// one (readdir.go), and an entry present for the whole of a directory
// scan is returned exactly once. A new name takes the lowest free slot;
// free slots at the end are given back, with their pages.
//
// "." and ".." are not records: they are the directory itself and its
// parent field. sb.lock is held by every function here.
const NAME_MAX = 255

type dirRecord struct {
	inode   uintptr // the named inode, 0 for a free record
	namelen uint8
	name    [NAME_MAX]byte
}

const recordsPerPage = mm.PageSize / int64(unsafe.Sizeof(dirRecord{}))

// slot returns record k of dir, or nil if its page is missing.
func slot(dir *inode, k int64) *dirRecord {
	pa := page(dir, k/recordsPerPage)
	if pa == 0 {
		return nil
	}
	return (*dirRecord)(addr.Ptr(uintptr(pa) + uintptr(k%recordsPerPage)*unsafe.Sizeof(dirRecord{})))
}

func (d *dirRecord) nameBytes() []byte { return d.name[:d.namelen] }

func sameName(d *dirRecord, name []byte) bool {
	if int(d.namelen) != len(name) {
		return false
	}
	for i := range name {
		if d.name[i] != name[i] {
			return false
		}
	}
	return true
}

// findEntry returns the record that holds name in dir, or nil.
func findEntry(dir *inode, name []byte) *dirRecord {
	for k := int64(0); k < dir.slots; k++ {
		d := slot(dir, k)
		if d != nil && d.inode != 0 && sameName(d, name) {
			return d
		}
	}
	return nil
}

// lookup returns the inode that name names in dir, or nil.
func lookup(dir *inode, name []byte) *inode {
	if d := findEntry(dir, name); d != nil {
		return inodeAt(d.inode)
	}
	return nil
}

// addEntry links ip into dir under name (which is not there yet): it
// takes the lowest free record, or a new one at the end, with a new page
// when the last is full. It counts the link (ip.nlink) and changes dir's
// times; directory link counts are the caller's. It fails with -ENOSPC
// or -ENOMEM when a page is needed and none can be had.
func addEntry(dir *inode, name []byte, ip *inode) int64 {
	var d *dirRecord
	for k := int64(0); k < dir.slots; k++ {
		if s := slot(dir, k); s != nil && s.inode == 0 {
			d = s
			break
		}
	}
	if d == nil {
		k := dir.slots
		ps, e := pageSlot(dir, k/recordsPerPage, true)
		if ps == nil {
			return e
		}
		if *ps == 0 {
			pa, e := allocPage()
			if e != 0 {
				return e
			}
			*ps = pa
			dir.pages++
		}
		dir.slots++
		d = slot(dir, k)
	}
	d.inode = addrOf(ip)
	d.namelen = uint8(len(name))
	copy(d.name[:], name)
	dir.nent++
	dir.size += bogoDirentSize
	ip.nlink++
	dir.touch()
	return 0
}

// removeEntry frees the record d of dir, dropping one link of the inode
// it named (whose freeing, if it was the last, is the caller's).
func removeEntry(dir *inode, d *dirRecord) {
	ip := inodeAt(d.inode)
	d.inode = 0
	d.namelen = 0
	dir.nent--
	dir.size -= bogoDirentSize
	ip.nlink--
	dir.touch()
	trimSlots(dir)
}

// trimSlots gives back the records at the end of dir that are free, and
// the pages they leave empty, so that a directory emptied of its names
// holds no pages. Records before the last used one stay where they are:
// positions are stable.
func trimSlots(dir *inode) {
	for dir.slots > 0 {
		if d := slot(dir, dir.slots-1); d != nil && d.inode != 0 {
			break
		}
		dir.slots--
	}
	truncatePages(dir, (dir.slots+recordsPerPage-1)/recordsPerPage)
}

// nameOf finds the name under which dir holds child (for getcwd).
func nameOf(dir, child *inode) []byte {
	for k := int64(0); k < dir.slots; k++ {
		d := slot(dir, k)
		if d != nil && d.inode == addrOf(child) {
			return d.nameBytes()
		}
	}
	return nil
}
