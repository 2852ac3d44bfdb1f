package tmpfs_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// The errors of the path walk and of each call, as Linux gives them.
func TestErrnos(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return dir + "/" + n } // not filepath.Join, which would clean "x/."
	os.WriteFile(p("file"), []byte("x"), 0o644)
	os.MkdirAll(p("full/sub"), 0o755)
	os.Mkdir(p("empty"), 0o755)
	open := func(n string, flags int) error {
		fd, err := syscall.Open(n, flags|syscall.O_CLOEXEC, 0o644)
		if err == nil {
			syscall.Close(fd)
		}
		return err
	}
	long := strings.Repeat("n", 256)
	cases := []struct {
		what string
		err  error
		want syscall.Errno
	}{
		{"open a missing name", open(p("missing"), syscall.O_RDONLY), syscall.ENOENT},
		{"open under a missing directory", open(p("missing/x"), syscall.O_RDONLY|syscall.O_CREAT), syscall.ENOENT},
		{"open under a file", open(p("file/x"), syscall.O_RDONLY), syscall.ENOTDIR},
		{"open file/", open(p("file")+"/", syscall.O_RDONLY), syscall.ENOTDIR},
		{"O_DIRECTORY on a file", open(p("file"), syscall.O_RDONLY|syscall.O_DIRECTORY), syscall.ENOTDIR},
		{"open a directory for writing", open(p("empty"), syscall.O_WRONLY), syscall.EISDIR},
		{"O_CREAT on a directory", open(p("empty"), syscall.O_RDONLY|syscall.O_CREAT), syscall.EISDIR},
		{"O_CREAT with a trailing slash", open(p("new")+"/", syscall.O_RDWR|syscall.O_CREAT), syscall.EISDIR},
		{"O_CREAT|O_DIRECTORY", open(p("new2"), syscall.O_RDONLY|syscall.O_CREAT|syscall.O_DIRECTORY), syscall.EINVAL},
		{"a 256-byte name", open(p(long), syscall.O_RDWR|syscall.O_CREAT), syscall.ENAMETOOLONG},
		{"a path of PATH_MAX bytes", open("/"+strings.Repeat("a/", 2048), syscall.O_RDONLY), syscall.ENAMETOOLONG},
		{"the empty path", open("", syscall.O_RDONLY), syscall.ENOENT},
		{"mkdir an existing name", syscall.Mkdir(p("file"), 0o755), syscall.EEXIST},
		{"mkdir .", syscall.Mkdir(p("empty/."), 0o755), syscall.EEXIST},
		{"mkdir under a file", syscall.Mkdir(p("file/d"), 0o755), syscall.ENOTDIR},
		{"rmdir a directory with entries", syscall.Rmdir(p("full")), syscall.ENOTEMPTY},
		{"rmdir a file", syscall.Rmdir(p("file")), syscall.ENOTDIR},
		{"rmdir .", syscall.Rmdir(p("empty/.")), syscall.EINVAL},
		{"rmdir ..", syscall.Rmdir(p("full/sub/..")), syscall.ENOTEMPTY},
		{"rmdir /", syscall.Rmdir("/"), syscall.EBUSY},
		{"rmdir a missing name", syscall.Rmdir(p("missing")), syscall.ENOENT},
		{"unlink a directory", syscall.Unlink(p("empty")), syscall.EISDIR},
		{"unlink file/", syscall.Unlink(p("file") + "/"), syscall.ENOTDIR},
		{"unlink a missing name", syscall.Unlink(p("missing")), syscall.ENOENT},
		{"rename a missing name", syscall.Rename(p("missing"), p("x")), syscall.ENOENT},
		{"rename a file over a directory", syscall.Rename(p("file"), p("empty")), syscall.EISDIR},
		{"rename a directory over a file", syscall.Rename(p("empty"), p("file")), syscall.ENOTDIR},
		{"rename over a directory with entries", syscall.Rename(p("empty"), p("full")), syscall.ENOTEMPTY},
		{"rename a directory into itself", syscall.Rename(p("full"), p("full/sub/x")), syscall.EINVAL},
		{"rename onto an ancestor", syscall.Rename(p("full/sub"), p("full")), syscall.ENOTEMPTY},
		{"rename .", syscall.Rename(p("empty/."), p("x")), syscall.EBUSY},
		{"RENAME_NOREPLACE onto an existing name", renameat2(p("file"), p("full"), 1), syscall.EEXIST},
		{"RENAME_EXCHANGE with a missing name", renameat2(p("file"), p("missing"), 2), syscall.ENOENT},
		{"renameat2 with both flags", renameat2(p("file"), p("x"), 3), syscall.EINVAL},
		{"readlink a file", readlink(p("file")), syscall.EINVAL},
		{"readlink a missing name", readlink(p("missing")), syscall.ENOENT},
		{"unlinkat with an unknown flag", unlinkat(p("file"), 0x1), syscall.EINVAL},
		{"stat with a trailing slash on a file", stat(p("file") + "/"), syscall.ENOTDIR},
		{"a relative path from a file descriptor that is a file", openatFile(p("file"), "x"), syscall.ENOTDIR},
		{"a relative path from a closed descriptor", openatFd(60, "x"), syscall.EBADF},
	}
	for _, c := range cases {
		wantErrno(t, c.what, c.err, c.want)
	}
	// The failures changed nothing.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 3 {
		t.Errorf("after the failed calls the directory holds %d entries, want 3", len(ents))
	}
}

// Access modes and the calls that need a kind of file.
func TestFileDescriptorErrnos(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "f")
	os.WriteFile(name, []byte("data"), 0o644)
	ro, _ := syscall.Open(name, syscall.O_RDONLY, 0)
	wo, _ := syscall.Open(name, syscall.O_WRONLY, 0)
	d, _ := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	defer syscall.Close(ro)
	defer syscall.Close(wo)
	defer syscall.Close(d)
	buf := make([]byte, 16)
	_, err := syscall.Write(ro, buf)
	wantErrno(t, "write to an O_RDONLY descriptor", err, syscall.EBADF)
	_, err = syscall.Read(wo, buf)
	wantErrno(t, "read from an O_WRONLY descriptor", err, syscall.EBADF)
	_, err = syscall.Read(d, buf)
	wantErrno(t, "read from a directory", err, syscall.EISDIR)
	wantErrno(t, "ftruncate an O_RDONLY descriptor", syscall.Ftruncate(ro, 0), syscall.EINVAL)
	wantErrno(t, "ftruncate to a negative size", syscall.Ftruncate(wo, -1), syscall.EINVAL)
	_, err = syscall.Getdents(ro, make([]byte, 4096))
	wantErrno(t, "getdents64 on a file", err, syscall.ENOTDIR)
	_, err = syscall.Getdents(d, make([]byte, 16))
	wantErrno(t, "getdents64 with room for no entry", err, syscall.EINVAL)
	_, err = syscall.Seek(ro, -1, 0)
	wantErrno(t, "lseek to a negative position", err, syscall.EINVAL)
	_, err = syscall.Seek(ro, 0, 7)
	wantErrno(t, "lseek with a bad whence", err, syscall.EINVAL)
	_, err = syscall.Pread(ro, buf, -1)
	wantErrno(t, "pread64 at a negative offset", err, syscall.EINVAL)
	_, err = syscall.Seek(1, 0, 0)
	wantErrno(t, "lseek on the console", err, syscall.ESPIPE)
	_, err = syscall.Read(63, buf)
	wantErrno(t, "read from a closed descriptor", err, syscall.EBADF)
	wantErrno(t, "fchdir to a file", syscall.Fchdir(ro), syscall.ENOTDIR)
}

// The files the runtime probes as it starts still do not exist.
func TestRuntimeProbesStillENOENT(t *testing.T) {
	for _, n := range []string{
		"/sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
		"/proc/self/cgroup", "/proc/self/mountinfo", "/sys/fs/cgroup/cpu.max",
	} {
		_, err := os.Open(n)
		wantErrno(t, "open "+n, err, syscall.ENOENT)
	}
}

func readlink(n string) error {
	_, err := os.Readlink(n)
	return err
}

func unlinkat(n string, flags int) error {
	_, _, e := syscall.Syscall(syscall.SYS_UNLINKAT, uintptr(fdcwd), uintptr(unsafe.Pointer(cstr(n))), uintptr(flags))
	return rawErr(e)
}

func stat(n string) error {
	var st syscall.Stat_t
	return syscall.Stat(n, &st)
}

func openatFd(fd int, n string) error {
	nfd, err := syscall.Openat(fd, n, syscall.O_RDONLY, 0)
	if err == nil {
		syscall.Close(nfd)
	}
	return err
}

func openatFile(file, n string) error {
	fd, err := syscall.Open(file, syscall.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	return openatFd(fd, n)
}

// The descriptor table is the limit on open files: past it, openat fails
// with EMFILE, takes no reference and creates nothing; closing gives
// every inode reference back.
func TestEMFILE(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "f")
	os.WriteFile(name, []byte("x"), 0o644)
	before := usageNow()
	var fds []int
	var err error
	for len(fds) < 100000 {
		var fd int
		if fd, err = syscall.Open(name, syscall.O_RDONLY, 0); err != nil {
			break
		}
		fds = append(fds, fd)
	}
	wantErrno(t, "open with every descriptor in use", err, syscall.EMFILE)
	_, err = syscall.Open(filepath.Join(dir, "new"), syscall.O_RDWR|syscall.O_CREAT, 0o644)
	wantErrno(t, "O_CREAT with every descriptor in use", err, syscall.EMFILE)
	for _, fd := range fds {
		syscall.Close(fd)
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); err == nil {
		t.Errorf("an open that failed with EMFILE created its file")
	}
	if len(fds) < 32 {
		t.Errorf("only %d descriptors could be opened", len(fds))
	}
	wantUsage(t, before, "after closing them all")
}

// An O_PATH descriptor names a file without opening it for I/O: fstat
// and use as a dirfd work, reading, seeking and truncating are EBADF.
func TestOPath(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f"), []byte("data"), 0o644)
	const O_PATH = 0o10000000
	fd, err := syscall.Open(filepath.Join(dir, "f"), O_PATH, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil || st.Size != 4 {
		t.Errorf("fstat of an O_PATH descriptor: size %d, %v", st.Size, err)
	}
	_, err = syscall.Read(fd, make([]byte, 4))
	wantErrno(t, "read through O_PATH", err, syscall.EBADF)
	_, err = syscall.Seek(fd, 0, 0)
	wantErrno(t, "lseek through O_PATH", err, syscall.EBADF)
	wantErrno(t, "ftruncate through O_PATH", syscall.Ftruncate(fd, 0), syscall.EBADF)
	wantErrno(t, "fchmod through O_PATH", syscall.Fchmod(fd, 0o600), syscall.EBADF)
	d, err := syscall.Open(dir, O_PATH|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(d)
	if err := openatFd(d, "f"); err != nil {
		t.Errorf("openat relative to an O_PATH directory: %v", err)
	}
}

// fchmodat2 with AT_SYMLINK_NOFOLLOW on a symbolic link: EOPNOTSUPP, and
// the link's target keeps its mode.
func TestChmodNoFollow(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "t"), nil, 0o644)
	os.Symlink("t", filepath.Join(dir, "l"))
	const SYS_fchmodat2 = 452
	_, _, e := syscall.Syscall6(SYS_fchmodat2, fdcwd, uintptr(unsafe.Pointer(cstr(filepath.Join(dir, "l")))),
		0o600, 0x100 /* AT_SYMLINK_NOFOLLOW */, 0, 0)
	wantErrno(t, "fchmodat2(AT_SYMLINK_NOFOLLOW) on a link", e, syscall.EOPNOTSUPP)
	if fi, _ := os.Stat(filepath.Join(dir, "t")); fi.Mode().Perm() != 0o644 {
		t.Errorf("the target's mode changed to %v", fi.Mode())
	}
}
