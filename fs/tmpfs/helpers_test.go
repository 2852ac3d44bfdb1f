package tmpfs_test

import (
	"errors"
	"syscall"
	"testing"
	"unsafe"

	"gopreempt/fs/tmpfs"
)

// usage is what the file system holds, for before/after comparisons.
type usage struct{ frames, inodes uint64 }

func usageNow() usage {
	f, _, i := tmpfs.Usage()
	return usage{f, i}
}

// wantUsage checks that the file system holds what it held at before:
// every frame and inode a test took was given back.
func wantUsage(t *testing.T, before usage, what string) {
	t.Helper()
	if now := usageNow(); now != before {
		t.Errorf("%s: the file system holds %d frames and %d inodes, want %d and %d as before",
			what, now.frames, now.inodes, before.frames, before.inodes)
	}
}

// wantErrno checks that err is the system-call error want.
func wantErrno(t *testing.T, what string, err error, want syscall.Errno) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v (%s)", what, err, want, errnoName(want))
	}
}

func errnoName(e syscall.Errno) string {
	names := map[syscall.Errno]string{
		syscall.ENOENT: "ENOENT", syscall.EEXIST: "EEXIST", syscall.ENOTDIR: "ENOTDIR",
		syscall.EISDIR: "EISDIR", syscall.ENOTEMPTY: "ENOTEMPTY", syscall.EINVAL: "EINVAL",
		syscall.EBADF: "EBADF", syscall.ENAMETOOLONG: "ENAMETOOLONG", syscall.ENOSPC: "ENOSPC",
		syscall.EBUSY: "EBUSY", syscall.EFBIG: "EFBIG", syscall.ERANGE: "ERANGE",
	}
	if n, ok := names[e]; ok {
		return n
	}
	return "errno " + e.Error()
}

// cstr returns a NUL-terminated copy of s for raw system calls.
func cstr(s string) *byte {
	b := append([]byte(s), 0)
	return &b[0]
}

func rawErr(e syscall.Errno) error {
	if e != 0 {
		return e
	}
	return nil
}

// renameat2 is the raw system call (the syscall package has no wrapper).
func renameat2(oldpath, newpath string, flags uint) error {
	const SYS_renameat2 = 316
	_, _, e := syscall.Syscall6(SYS_renameat2, uintptr(fdcwd), uintptr(unsafe.Pointer(cstr(oldpath))),
		uintptr(fdcwd), uintptr(unsafe.Pointer(cstr(newpath))), uintptr(flags), 0)
	return rawErr(e)
}

const fdcwd = ^uintptr(99) // AT_FDCWD, -100
