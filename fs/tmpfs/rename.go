package tmpfs

// rename and renameat2 (Linux's do_renameat2 and vfs_rename, with
// tmpfs's shmem_rename2 and shmem_exchange). The checks come in Linux's
// order, because a program can tell them apart:
//
//  1. the walks of both paths;
//  2. "." or ".." or "/" as either last component: EBUSY (EEXIST for a
//     new name with RENAME_NOREPLACE);
//  3. the old name missing: ENOENT; with RENAME_NOREPLACE, an existing
//     new name: EEXIST; with RENAME_EXCHANGE, a missing new name: ENOENT;
//  4. a trailing slash on a name that is not a directory: ENOTDIR;
//  5. the old name an ancestor of the new: EINVAL; the new an ancestor
//     of the old: ENOTEMPTY (EINVAL for an exchange);
//  6. both names the same inode: nothing to do, success;
//  7. replacing: a directory by a file, EISDIR; a file by a directory,
//     ENOTDIR; a directory that is not empty, ENOTEMPTY.
//
// A directory that moves to another parent takes its ".." with it: the
// old parent loses a link and the new one gains it.

// Flags of renameat2.
const (
	RENAME_NOREPLACE = 1
	RENAME_EXCHANGE  = 2
)

// Rename renames oldpath (relative to olddir) to newpath (relative to
// newdir) with renameat2's flags.
func Rename(olddir Inode, oldpath []byte, newdir Inode, newpath []byte, flags uint32) int64 {
	if flags&^(RENAME_NOREPLACE|RENAME_EXCHANGE) != 0 ||
		flags&(RENAME_NOREPLACE|RENAME_EXCHANGE) == RENAME_NOREPLACE|RENAME_EXCHANGE {
		return -EINVAL
	}
	lock()
	r := renameLocked(olddir, oldpath, newdir, newpath, flags)
	unlock()
	return r
}

// renameLocked is Rename with sb.lock held. (No defer: see doc.go.)
func renameLocked(olddir Inode, oldpath []byte, newdir Inode, newpath []byte, flags uint32) int64 {
	exchange := flags&RENAME_EXCHANGE != 0
	ond, e := walkParent(startDir(olddir), oldpath)
	if e != 0 {
		return e
	}
	nnd, e := walkParent(startDir(newdir), newpath)
	if e != 0 {
		return e
	}
	if ond.lastType != lastNorm {
		return -EBUSY
	}
	if nnd.lastType != lastNorm {
		if flags&RENAME_NOREPLACE != 0 {
			return -EEXIST
		}
		return -EBUSY
	}
	od := findEntry(ond.dir, ond.last)
	if od == nil {
		return -ENOENT
	}
	nd := findEntry(nnd.dir, nnd.last)
	if nd != nil && flags&RENAME_NOREPLACE != 0 {
		return -EEXIST
	}
	if nd == nil && exchange {
		return -ENOENT
	}
	old := inodeAt(od.inode)
	var victim *inode
	if nd != nil {
		victim = inodeAt(nd.inode)
	}
	if !old.isDir() && (ond.trailing || (!exchange && nnd.trailing)) {
		return -ENOTDIR
	}
	if exchange && !victim.isDir() && nnd.trailing {
		return -ENOTDIR
	}
	if old.isDir() && isAncestor(old, nnd.dir) {
		return -EINVAL
	}
	if victim != nil && victim.isDir() && isAncestor(victim, ond.dir) {
		if exchange {
			return -EINVAL
		}
		return -ENOTEMPTY
	}
	if victim == old {
		return 0
	}
	if exchange {
		exchangeEntries(ond.dir, od, nnd.dir, nd)
		return 0
	}
	if victim != nil {
		switch {
		case old.isDir() && !victim.isDir():
			return -ENOTDIR
		case !old.isDir() && victim.isDir():
			return -EISDIR
		case victim.isDir() && victim.nent != 0:
			return -ENOTEMPTY
		}
	} else if nnd.dir.nlink == 0 {
		return -ENOENT // the new parent was removed
	}
	if victim != nil {
		// The new name's record now names the old inode: no page is
		// needed, so replacing cannot fail half-way.
		nd.inode = addrOf(old)
		old.nlink++
		nnd.dir.touch()
		victim.nlink--
		if victim.isDir() {
			victim.nlink = 0
			nnd.dir.nlink--
		}
		victim.ctime = now()
	} else if e := addEntry(nnd.dir, nnd.last, old); e != 0 {
		return e
	}
	// addEntry may have reused a free record, never od: od still holds
	// the old name.
	removeEntry(ond.dir, od)
	if old.isDir() && ond.dir != nnd.dir {
		ond.dir.nlink--
		nnd.dir.nlink++
		old.parent = addrOf(nnd.dir)
	}
	old.ctime = now()
	if victim != nil {
		evictIfUnused(victim)
	}
	return 0
}

// exchangeEntries swaps what two records name (RENAME_EXCHANGE); both
// names stay, so nothing is allocated or freed.
func exchangeEntries(adir *inode, a *dirRecord, bdir *inode, b *dirRecord) {
	ai, bi := inodeAt(a.inode), inodeAt(b.inode)
	a.inode, b.inode = b.inode, a.inode
	if adir != bdir {
		if ai.isDir() {
			ai.parent = addrOf(bdir)
			adir.nlink--
			bdir.nlink++
		}
		if bi.isDir() {
			bi.parent = addrOf(adir)
			bdir.nlink--
			adir.nlink++
		}
	}
	t := now()
	ai.ctime, bi.ctime = t, t
	adir.touch()
	bdir.touch()
}
