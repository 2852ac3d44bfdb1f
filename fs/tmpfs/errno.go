package tmpfs

// The Linux errno values this package returns, negated by its callers'
// convention: every function that can fail returns 0 or -errno.
const (
	EPERM        = 1
	ENOENT       = 2
	ENOMEM       = 12
	EBUSY        = 16
	EEXIST       = 17
	ENOTDIR      = 20
	EISDIR       = 21
	EINVAL       = 22
	EFBIG        = 27
	ENOSPC       = 28
	ERANGE       = 34
	ENAMETOOLONG = 36
	ENOTEMPTY    = 39
	// ELOOP = 40 is in symlink.go
)
