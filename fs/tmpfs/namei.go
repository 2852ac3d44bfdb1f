package tmpfs

// Path walking, after Linux's fs/namei.c: a path is split at slashes
// (any number of them); each component but the last must name a
// directory, and is looked up in the one before; "." is the directory
// itself and ".." its parent (the root's parent is the root). The walk
// stops before the last component and reports it, with its kind and
// whether slashes followed it, so that each system call decides what the
// last name means to it (open may create it, unlink removes it, mkdir
// wants it absent). The errors are Linux's:
//
//	""                    ENOENT
//	a component > 255     ENAMETOOLONG (PATH_MAX is the caller's check)
//	"missing/x"           ENOENT
//	"file/x", "file/"     ENOTDIR
//
// A walk runs under sb.lock, so nothing it passes can change under it.

// The kinds of last component (Linux's LAST_NORM, LAST_DOT, ...).
const (
	lastNorm   = iota // a name
	lastDot           // "."
	lastDotDot        // ".."
	lastRoot          // the path was "/" (or only slashes)
)

// nameidata is what a walk found: the directory that holds the last
// component, the component, its kind, and whether the path ended in a
// slash (so that it must be a directory).
type nameidata struct {
	dir      *inode
	last     []byte
	lastType int
	trailing bool
}

// walkParent walks path from start (absolute paths from the root) to the
// directory that holds its last component, following symbolic links on
// the way (symlink.go). The result is returned, not stored through a
// pointer: a pointer store to memory the compiler cannot prove is a stack
// frame gets a write barrier, which SYSCALL context must not run.
func walkParent(start *inode, path []byte) (nameidata, int64) {
	links := 0
	return walkParentN(start, path, &links)
}

// walkParentN is walkParent counting the symbolic links it follows in
// *links, which a walk shares with the links it follows.
func walkParentN(start *inode, path []byte, links *int) (nameidata, int64) {
	if len(path) == 0 {
		return nameidata{}, -ENOENT
	}
	dir := start
	if path[0] == '/' {
		dir = inodeAt(sb.root)
	}
	i := skipSlashes(path, 0)
	if i == len(path) {
		return nameidata{dir: dir, lastType: lastRoot}, 0
	}
	for {
		j := i
		for j < len(path) && path[j] != '/' {
			j++
		}
		comp := path[i:j]
		if len(comp) > NAME_MAX {
			return nameidata{}, -ENAMETOOLONG
		}
		if !dir.isDir() {
			return nameidata{}, -ENOTDIR
		}
		k := skipSlashes(path, j)
		if k == len(path) {
			return nameidata{dir: dir, last: comp, lastType: kindOf(comp), trailing: j < len(path)}, 0
		}
		next := step(dir, comp)
		if next == nil {
			return nameidata{}, -ENOENT
		}
		if next.isLink() {
			var e int64
			if next, e = followLink(dir, next, links); e != 0 {
				return nameidata{}, e
			}
		}
		dir = next
		i = k
	}
}

func skipSlashes(path []byte, i int) int {
	for i < len(path) && path[i] == '/' {
		i++
	}
	return i
}

func kindOf(comp []byte) int {
	switch {
	case len(comp) == 1 && comp[0] == '.':
		return lastDot
	case len(comp) == 2 && comp[0] == '.' && comp[1] == '.':
		return lastDotDot
	}
	return lastNorm
}

// step looks up one component in dir (a directory): ".", ".." or a name.
func step(dir *inode, comp []byte) *inode {
	switch kindOf(comp) {
	case lastDot:
		return dir
	case lastDotDot:
		return inodeAt(dir.parent)
	}
	return lookup(dir, comp)
}

// lastInode returns what the last component names, or nil.
func (nd *nameidata) lastInode() *inode {
	if nd.lastType == lastRoot {
		return nd.dir
	}
	return step(nd.dir, nd.last)
}

// walk resolves the whole path to an inode: ENOENT if the last component
// is missing, ENOTDIR if a trailing slash follows a file. A symbolic link
// as the last component is followed if follow is set or a slash follows
// it (Linux's LOOKUP_FOLLOW, and "link/" meaning the directory).
func walk(start *inode, path []byte, follow bool) (*inode, int64) {
	links := 0
	nd, e := walkParentN(start, path, &links)
	if e != 0 {
		return nil, e
	}
	return resolveLast(&nd, follow, &links)
}

// resolveLast returns what nd's last component names, following a link
// there as walk says.
func resolveLast(nd *nameidata, follow bool, links *int) (*inode, int64) {
	ip := nd.lastInode()
	if ip == nil {
		return nil, -ENOENT
	}
	if ip.isLink() && (follow || nd.trailing) {
		var e int64
		if ip, e = followLink(nd.dir, ip, links); e != 0 {
			return nil, e
		}
	}
	if nd.trailing && !ip.isDir() {
		return nil, -ENOTDIR
	}
	return ip, 0
}

// startDir is where a relative path starts: the given directory (an
// open directory's inode, for the *at calls' dirfd) or, for 0, the
// current directory.
func startDir(dir Inode) *inode {
	if dir == 0 {
		return inodeAt(sb.cwd)
	}
	return inodeAt(uintptr(dir))
}

// isAncestor reports whether a is d or one of d's ancestors.
func isAncestor(a, d *inode) bool {
	for {
		if d == a {
			return true
		}
		if addrOf(d) == sb.root {
			return false
		}
		d = inodeAt(d.parent)
	}
}
