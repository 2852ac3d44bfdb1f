package tmpfs_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// dup'd descriptors share one open file description: the position, and
// the status flags; close-on-exec is the descriptor's own.
func TestDupSharesPosition(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	fd, err := syscall.Open(name, syscall.O_RDWR|syscall.O_CREAT, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	fd2, err := syscall.Dup(fd)
	if err != nil {
		t.Fatal(err)
	}
	syscall.Write(fd, []byte("hello"))
	if pos, _ := syscall.Seek(fd2, 0, 1); pos != 5 {
		t.Errorf("position seen through the dup: %d, want 5", pos)
	}
	syscall.Write(fd2, []byte(" world"))
	syscall.Close(fd2)
	if got, _ := os.ReadFile(name); string(got) != "hello world" {
		t.Errorf("file holds %q", got)
	}
	// F_DUPFD_CLOEXEC gives a descriptor at or above the argument, with FD_CLOEXEC.
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 40)
	if e != 0 || r < 40 {
		t.Fatalf("F_DUPFD_CLOEXEC: %d, %v; want a descriptor >= 40", r, e)
	}
	if fl, _, _ := syscall.Syscall(syscall.SYS_FCNTL, r, syscall.F_GETFD, 0); fl != syscall.FD_CLOEXEC {
		t.Errorf("F_GETFD of the F_DUPFD_CLOEXEC copy: %d, want FD_CLOEXEC", fl)
	}
	if fl, _, _ := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0); fl != 0 {
		t.Errorf("F_GETFD of the original: %d, want 0", fl)
	}
	// Status flags belong to the description: O_APPEND set through one is seen through the other.
	syscall.Syscall(syscall.SYS_FCNTL, r, syscall.F_SETFL, syscall.O_APPEND|syscall.O_NONBLOCK)
	fl, _, _ := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
	if fl&syscall.O_ACCMODE != syscall.O_RDWR || fl&syscall.O_APPEND == 0 {
		t.Errorf("F_GETFL = %#o, want O_RDWR|O_APPEND", fl)
	}
	// dup3 onto an open descriptor closes it first.
	other, _ := syscall.Open(name, syscall.O_RDONLY, 0)
	if err := syscall.Dup3(fd, other, syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	syscall.Write(other, []byte("!"))
	syscall.Close(other)
	syscall.Close(int(r))
	if got, _ := os.ReadFile(name); string(got) != "hello world!" {
		t.Errorf("after writing through the dup3 copy: %q", got)
	}
	wantErrno(t, "dup3 onto itself", syscall.Dup3(fd, fd, 0), syscall.EINVAL)
}

// getdents64 resumes where it stopped: small buffers return every entry
// once, "." and ".." first.
func TestGetdentsResumes(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i := 0; i < 100; i++ {
		n := fmt.Sprintf("entry-%03d-%s", i, strings.Repeat("x", i%40))
		want = append(want, n)
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	var got []string
	buf := make([]byte, 100) // one or two entries at a time
	for calls := 0; ; calls++ {
		n, err := syscall.Getdents(fd, buf)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		for b := buf[:n]; len(b) > 0; {
			reclen := int(binary.LittleEndian.Uint16(b[16:]))
			if reclen%8 != 0 || reclen > len(b) {
				t.Fatalf("d_reclen %d", reclen)
			}
			name := b[19:reclen]
			name = name[:slices.Index(name, 0)]
			got = append(got, string(name))
			b = b[reclen:]
		}
		if calls > 1000 {
			t.Fatal("getdents64 does not end")
		}
	}
	if len(got) < 2 || got[0] != "." || got[1] != ".." {
		t.Fatalf("first entries %q, want \".\" and \"..\"", got[:min(2, len(got))])
	}
	got = got[2:]
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("getdents64 returned %d names, want the %d created, each once", len(got), len(want))
	}
	// Rewound with lseek, the directory reads again from ".".
	syscall.Seek(fd, 0, 0)
	if n, _ := syscall.Getdents(fd, buf); n == 0 || string(buf[19:20]) != "." {
		t.Errorf("after lseek(0), getdents64 does not start at \".\"")
	}
}

// stat and statx report what the file system holds: type and mode, link
// counts, size and blocks, distinct inode numbers, times from the clock.
func TestStat(t *testing.T) {
	dir := t.TempDir()
	start := time.Now()
	name := filepath.Join(dir, "f")
	os.WriteFile(name, make([]byte, 5000), 0o640)
	os.Mkdir(filepath.Join(dir, "d1"), 0o700)
	os.Mkdir(filepath.Join(dir, "d2"), 0o700)
	var st, dst syscall.Stat_t
	if err := syscall.Stat(name, &st); err != nil {
		t.Fatal(err)
	}
	if st.Mode != syscall.S_IFREG|0o640 || st.Nlink != 1 || st.Size != 5000 || st.Blocks != 16 || st.Blksize != 4096 {
		t.Errorf("stat of a 5000-byte file: mode %#o nlink %d size %d blocks %d blksize %d",
			st.Mode, st.Nlink, st.Size, st.Blocks, st.Blksize)
	}
	if err := syscall.Stat(dir, &dst); err != nil {
		t.Fatal(err)
	}
	if dst.Mode&syscall.S_IFMT != syscall.S_IFDIR || dst.Nlink != 4 || dst.Ino == st.Ino {
		t.Errorf("stat of a directory with two subdirectories: mode %#o nlink %d (want 4) ino %d (file's %d)",
			dst.Mode, dst.Nlink, dst.Ino, st.Ino)
	}
	mtime := time.Unix(st.Mtim.Sec, st.Mtim.Nsec)
	if mtime.Before(start.Add(-time.Second)) || mtime.After(time.Now().Add(time.Second)) {
		t.Errorf("mtime %v is not between %v and now", mtime, start)
	}
	// statx: the same, and the birth time.
	var stx [256]byte
	const SYS_statx, STATX_ALL = 332, 0xfff
	_, _, e := syscall.Syscall6(SYS_statx, uintptr(fdcwd), uintptr(unsafe.Pointer(cstr(name))), 0, STATX_ALL,
		uintptr(unsafe.Pointer(&stx)), 0)
	if e != 0 {
		t.Fatal(e)
	}
	le := binary.LittleEndian
	mask, mode, ino, size := le.Uint32(stx[0:]), le.Uint16(stx[28:]), le.Uint64(stx[32:]), le.Uint64(stx[40:])
	btime := le.Uint64(stx[80:])
	if mask&0xfff != 0xfff || uint32(mode) != st.Mode || ino != st.Ino || size != 5000 || int64(btime) != st.Ctim.Sec {
		t.Errorf("statx: mask %#x mode %#o ino %d size %d btime %d; stat says mode %#o ino %d ctime %d",
			mask, mode, ino, size, btime, st.Mode, st.Ino, st.Ctim.Sec)
	}
	// fstat of an open file, and of the console.
	f, _ := os.Open(name)
	defer f.Close()
	var fst syscall.Stat_t
	if syscall.Fstat(int(f.Fd()), &fst); fst.Ino != st.Ino {
		t.Errorf("fstat ino %d, stat ino %d", fst.Ino, st.Ino)
	}
	if syscall.Fstat(1, &fst); fst.Mode&syscall.S_IFMT != syscall.S_IFCHR {
		t.Errorf("fstat of the console: mode %#o, want a character device", fst.Mode)
	}
}

func TestChmod(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	os.WriteFile(name, nil, 0o600)
	if err := os.Chmod(name, 0o751); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(name); fi.Mode() != 0o751 {
		t.Errorf("after Chmod(0751): %v", fi.Mode())
	}
	f, _ := os.Open(name)
	defer f.Close()
	if err := syscall.Fchmod(int(f.Fd()), 0o4640); err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if syscall.Stat(name, &st); st.Mode != syscall.S_IFREG|0o4640 {
		t.Errorf("after fchmod(04640): %#o", st.Mode)
	}
}

// RENAME_EXCHANGE swaps two names atomically, a file with a directory too.
func TestRenameExchange(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("A"), 0o644)
	os.MkdirAll(filepath.Join(b, "inside"), 0o755)
	if err := renameat2(a, b, 2); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(b); string(got) != "A" {
		t.Errorf("after the exchange b holds %q", got)
	}
	if _, err := os.Stat(filepath.Join(a, "inside")); err != nil {
		t.Errorf("after the exchange a/inside: %v", err)
	}
	if err := renameat2(b, filepath.Join(dir, "c"), 1); err != nil {
		t.Errorf("RENAME_NOREPLACE to a free name: %v", err)
	}
}

func TestChdirGetwd(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "x", "y"), 0o755)
	t.Chdir(filepath.Join(dir, "x", "y"))
	wd, err := os.Getwd()
	if err != nil || wd != filepath.Join(dir, "x", "y") {
		t.Errorf("Getwd = %q, %v", wd, err)
	}
	if err := os.WriteFile("rel", []byte("r"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "x", "y", "rel")); string(got) != "r" {
		t.Errorf("a file made by a relative name is not in the current directory")
	}
	if _, err := os.Stat("../../x/y/rel"); err != nil {
		t.Errorf("Stat(../../x/y/rel): %v", err)
	}
	buf := make([]byte, 4)
	_, err = syscall.Getcwd(buf)
	wantErrno(t, "getcwd into 4 bytes", err, syscall.ERANGE)
}

// Several goroutines (on several CPUs, under SMP=4) make, fill, check and
// remove files at once, in one directory; everything is given back.
func TestConcurrentFiles(t *testing.T) {
	dir := t.TempDir()
	before := usageNow()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				name := filepath.Join(dir, fmt.Sprintf("w%d-%d", w, i))
				data := pattern(1000+i*301, byte(w))
				if err := os.WriteFile(name, data, 0o644); err != nil {
					errs <- err
					return
				}
				got, err := os.ReadFile(name)
				if err != nil || string(got) != string(data) {
					errs <- fmt.Errorf("%s read back wrong (%d bytes, %v)", name, len(got), err)
					return
				}
				if err := os.Rename(name, name+".done"); err != nil {
					errs <- err
					return
				}
				if i%2 == 0 {
					if err := os.Remove(name + ".done"); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 8*20 {
		t.Errorf("%d entries left, want %d", len(ents), 8*20)
	}
	for _, e := range ents {
		os.Remove(filepath.Join(dir, e.Name()))
	}
	wantUsage(t, before, "after the concurrent test")
}

// readv and writev move a list of buffers in order, through the file's
// position; more than UIO_MAXIOV buffers is EINVAL.
func TestReadvWritev(t *testing.T) {
	name := filepath.Join(t.TempDir(), "v")
	fd, err := syscall.Open(name, syscall.O_RDWR|syscall.O_CREAT, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	type iovec struct {
		base *byte
		len  uint64
	}
	parts := [][]byte{[]byte("one,"), []byte("two,"), []byte("three")}
	var iov []iovec
	for _, p := range parts {
		iov = append(iov, iovec{&p[0], uint64(len(p))})
	}
	n, _, e := syscall.Syscall(syscall.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	if e != 0 || n != 13 {
		t.Fatalf("writev: %d, %v; want 13", n, e)
	}
	syscall.Seek(fd, 0, 0)
	a, b := make([]byte, 6), make([]byte, 20)
	rd := []iovec{{&a[0], 6}, {&b[0], 20}}
	n, _, e = syscall.Syscall(syscall.SYS_READV, uintptr(fd), uintptr(unsafe.Pointer(&rd[0])), 2)
	if e != 0 || n != 13 || string(a) != "one,tw" || string(b[:7]) != "o,three" {
		t.Errorf("readv: %d, %v: %q %q", n, e, a, b[:7])
	}
	_, _, e = syscall.Syscall(syscall.SYS_READV, uintptr(fd), uintptr(unsafe.Pointer(&rd[0])), 1025)
	wantErrno(t, "readv of 1025 buffers", e, syscall.EINVAL)
}

// Positions are slots that never move: names removed and added while a
// directory is read never make the reader see a name twice, and the names
// present throughout are all seen.
func TestGetdentsStableUnderChange(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 60; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("keep%02d", i)), nil, 0o644)
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("gone%02d", i)), nil, 0o644)
	}
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	seen := map[string]int{}
	buf := make([]byte, 256)
	for round := 0; ; round++ {
		n, err := syscall.Getdents(fd, buf)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		for b := buf[:n]; len(b) > 0; {
			reclen := int(binary.LittleEndian.Uint16(b[16:]))
			name := b[19:reclen]
			seen[string(name[:slices.Index(name, 0)])]++
			b = b[reclen:]
		}
		// Between reads: remove two names, add two.
		os.Remove(filepath.Join(dir, fmt.Sprintf("gone%02d", round)))
		os.Remove(filepath.Join(dir, fmt.Sprintf("gone%02d", 59-round)))
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("new%02d", round)), nil, 0o644)
		if round > 500 {
			t.Fatal("getdents64 does not end")
		}
	}
	for name, n := range seen {
		if n > 1 {
			t.Errorf("%q returned %d times", name, n)
		}
	}
	for i := 0; i < 60; i++ {
		if seen[fmt.Sprintf("keep%02d", i)] != 1 {
			t.Errorf("keep%02d, present throughout, was not returned", i)
		}
	}
}
