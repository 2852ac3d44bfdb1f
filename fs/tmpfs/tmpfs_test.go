package tmpfs_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"
)

// t.TempDir makes a directory under /tmp and removes it, with all in it,
// when the test ends (os.MkdirTemp, then os.RemoveAll).
func TestTempDir(t *testing.T) {
	before := usageNow()
	var dir string
	t.Run("use", func(t *testing.T) {
		dir = t.TempDir()
		if !strings.HasPrefix(dir, "/tmp/") {
			t.Errorf("t.TempDir() = %q, want a directory under /tmp", dir)
		}
		if err := os.WriteFile(filepath.Join(dir, "f"), []byte("hello"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "a", "b", "c"), 0o755); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "f"))
		if err != nil || string(got) != "hello" {
			t.Errorf("ReadFile = %q, %v; want \"hello\"", got, err)
		}
	})
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after the test, Stat(%q) = %v; want it removed", dir, err)
	}
	wantUsage(t, before, "after t.TempDir's clean-up")
}

// os.CreateTemp opens new names with O_CREAT|O_EXCL; two calls never
// return the same file.
func TestCreateTemp(t *testing.T) {
	dir := t.TempDir()
	seen := map[string]bool{}
	for i := 0; i < 20; i++ {
		f, err := os.CreateTemp(dir, "x*.tmp")
		if err != nil {
			t.Fatal(err)
		}
		if seen[f.Name()] {
			t.Errorf("CreateTemp returned %q twice", f.Name())
		}
		seen[f.Name()] = true
		if _, err := f.WriteString(f.Name()); err != nil {
			t.Error(err)
		}
		f.Close()
	}
	for name := range seen {
		got, err := os.ReadFile(name)
		if err != nil || string(got) != name {
			t.Errorf("ReadFile(%q) = %q, %v", name, got, err)
		}
		fi, err := os.Stat(name)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("Stat(%q): mode %v, %v; want -rw-------", name, fi.Mode(), err)
		}
	}
}

func TestWriteFileReadFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "data")
	want := bytes.Repeat([]byte("0123456789abcdef"), 1000) // 16000 bytes, four pages
	if err := os.WriteFile(name, want, 0o666); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(name)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadFile: %d bytes, %v; want the %d written", len(got), err, len(want))
	}
	// Rewriting truncates (O_TRUNC).
	if err := os.WriteFile(name, []byte("short"), 0o666); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(name); string(got) != "short" {
		t.Errorf("after a second WriteFile: %q, want \"short\"", got)
	}
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != 5 || fi.Mode() != 0o644 || !fi.Mode().IsRegular() {
		t.Errorf("Stat: size %d mode %v; want 5 and -rw-r--r-- (0666 less the umask 022)", fi.Size(), fi.Mode())
	}
	if d := time.Since(fi.ModTime()); d < -time.Minute || d > time.Minute {
		t.Errorf("mtime %v is not now (%v)", fi.ModTime(), time.Now())
	}
}

// os.ReadDir reads with getdents64 and sorts; d_type tells files from
// directories without a stat.
func TestReadDir(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"c", "a", "b"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		s := e.Name()
		if e.IsDir() {
			s += "/"
		}
		got = append(got, s)
	}
	if want := []string{"a", "b", "c", "d/"}; !slices.Equal(got, want) {
		t.Errorf("ReadDir = %q, want %q", got, want)
	}
}

func TestWalkDir(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"x/y/z", "x/w", "v"} {
		if err := os.MkdirAll(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p, "file"), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if !d.IsDir() {
			b, err := os.ReadFile(path)
			if err != nil || filepath.Join(string(b), "file") != rel {
				t.Errorf("%s holds %q, %v", rel, b, err)
			}
		}
		got = append(got, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".", "v", "v/file", "x", "x/w", "x/w/file", "x/y", "x/y/z", "x/y/z/file"}
	if !slices.Equal(got, want) {
		t.Errorf("WalkDir visited %q, want %q", got, want)
	}
}

func TestRename(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	os.WriteFile(p("a"), []byte("A"), 0o644)
	os.WriteFile(p("b"), []byte("B"), 0o644)
	if err := os.Rename(p("a"), p("c")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p("a")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("old name still there after rename: %v", err)
	}
	// Over an existing file: it is replaced, and its inode freed.
	before := usageNow()
	if err := os.Rename(p("c"), p("b")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p("b")); string(got) != "A" {
		t.Errorf("after rename over b: %q, want \"A\"", got)
	}
	if now := usageNow(); now.inodes != before.inodes-1 {
		t.Errorf("replaced file: %d inodes, want %d", now.inodes, before.inodes-1)
	}
	// A directory to another parent: its contents and ".." move with it.
	os.MkdirAll(p("d1/sub"), 0o755)
	os.WriteFile(p("d1/sub/f"), []byte("F"), 0o644)
	os.Mkdir(p("d2"), 0o755)
	if err := os.Rename(p("d1/sub"), p("d2/moved")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p("d2/moved/../moved/f")); string(got) != "F" {
		t.Errorf("moved directory: f holds %q, want \"F\"", got)
	}
	nlink := func(n string) uint64 {
		fi, err := os.Stat(p(n))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Sys().(*syscall.Stat_t).Nlink
	}
	if a, b := nlink("d1"), nlink("d2"); a != 2 || b != 3 {
		t.Errorf("link counts after moving a directory: old parent %d (want 2), new parent %d (want 3)", a, b)
	}
}

func TestRemoveAll(t *testing.T) {
	before := usageNow()
	dir, err := os.MkdirTemp("", "removeall")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 30; i++ {
		sub := filepath.Join(dir, strings.Repeat("d", i%5+1), string(rune('a'+i)))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, "f"), make([]byte, 5000), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Lstat after RemoveAll: %v", err)
	}
	wantUsage(t, before, "after RemoveAll")
}

func TestExclusiveCreate(t *testing.T) {
	name := filepath.Join(t.TempDir(), "once")
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	wantErrno(t, "O_CREAT|O_EXCL on an existing file", err, syscall.EEXIST)
	// Without O_EXCL, O_CREAT opens what is there.
	f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Error(err)
	} else {
		f.Close()
	}
}

// O_APPEND writes at the end whatever the position, also after a seek.
func TestAppend(t *testing.T) {
	name := filepath.Join(t.TempDir(), "log")
	os.WriteFile(name, []byte("one\n"), 0o644)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Seek(0, io.SeekStart)
	f.WriteString("two\n")
	f.Seek(1, io.SeekStart)
	f.WriteString("three\n")
	got, _ := os.ReadFile(name)
	if string(got) != "one\ntwo\nthree\n" {
		t.Errorf("appended file: %q", got)
	}
	if pos, _ := f.Seek(0, io.SeekCurrent); pos != int64(len(got)) {
		t.Errorf("position after appending: %d, want the size %d", pos, len(got))
	}
}

// Truncation frees the pages past the new end and zeroes the rest of the
// last page: grown again, the file reads zeros there, not the old bytes.
func TestTruncate(t *testing.T) {
	name := filepath.Join(t.TempDir(), "t")
	data := bytes.Repeat([]byte{0xaa}, 3*4096+100)
	os.WriteFile(name, data, 0o644)
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(5000); err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	if fi.Size() != 5000 || fi.Sys().(*syscall.Stat_t).Blocks != 2*8 {
		t.Errorf("after truncating to 5000: size %d, %d blocks; want 5000 and 16", fi.Size(), fi.Sys().(*syscall.Stat_t).Blocks)
	}
	if err := f.Truncate(20000); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 20000)
	if n, err := f.ReadAt(got, 0); n != 20000 || (err != nil && err != io.EOF) {
		t.Fatalf("ReadAt: %d, %v", n, err)
	}
	want := append(bytes.Repeat([]byte{0xaa}, 5000), make([]byte, 15000)...)
	if !bytes.Equal(got, want) {
		i := 0
		for got[i] == want[i] {
			i++
		}
		t.Errorf("grown file differs at byte %d: %#x, want %#x", i, got[i], want[i])
	}
	if err := os.Truncate(name, 0); err != nil {
		t.Fatal(err)
	}
	if fi, _ := f.Stat(); fi.Size() != 0 || fi.Sys().(*syscall.Stat_t).Blocks != 0 {
		t.Errorf("truncated to 0: size %d, %d blocks", fi.Size(), fi.Sys().(*syscall.Stat_t).Blocks)
	}
}

// testing/fstest.TestFS checks a file system through io/fs the way the
// standard library expects one to behave: ReadDir against Stat, Open,
// Read, Seek and ReadAt against ReadFile, directory listings read in
// pieces against whole ones. Here it checks os.DirFS over the tmpfs.
func TestFSConformance(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.txt":           "alpha",
		"empty":           "",
		"sub/b.txt":       strings.Repeat("beta ", 2000),
		"sub/deeper/c":    "gamma",
		"sub/deeper/d.go": "package d",
	}
	var names []string
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if err := fstest.TestFS(os.DirFS(dir), names...); err != nil {
		t.Error(err)
	}
}

// A hard link is a second name for one inode: both names read and write
// the same data, nlink counts them, and the data goes with the last.
func TestHardLink(t *testing.T) {
	dir := t.TempDir()
	before := usageNow()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("shared"), 0o644)
	if err := os.Link(a, b); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(b, []byte("changed"), 0o644)
	if got, _ := os.ReadFile(a); string(got) != "changed" {
		t.Errorf("written through b, a reads %q", got)
	}
	fa, _ := os.Stat(a)
	fb, _ := os.Stat(b)
	if !os.SameFile(fa, fb) || fa.Sys().(*syscall.Stat_t).Nlink != 2 {
		t.Errorf("a and b: same file %v, nlink %d; want true and 2", os.SameFile(fa, fb), fa.Sys().(*syscall.Stat_t).Nlink)
	}
	wantErrno(t, "link onto an existing name", os.Link(a, b), syscall.EEXIST)
	wantErrno(t, "link of a directory", os.Link(dir, filepath.Join(dir, "d")), syscall.EPERM)
	wantErrno(t, "link of a missing name", os.Link(filepath.Join(dir, "missing"), filepath.Join(dir, "x")), syscall.ENOENT)
	// Renaming one name over the other is nothing: both stay.
	if err := os.Rename(a, b); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(a); err != nil {
		t.Errorf("rename of a hard link onto its twin removed it: %v", err)
	}
	os.Remove(a)
	if got, _ := os.ReadFile(b); string(got) != "changed" {
		t.Errorf("after removing a, b reads %q", got)
	}
	if fi, _ := os.Stat(b); fi.Sys().(*syscall.Stat_t).Nlink != 1 {
		t.Errorf("nlink after removing one name: %d", fi.Sys().(*syscall.Stat_t).Nlink)
	}
	os.Remove(b)
	wantUsage(t, before, "after removing both names")
}

// Symbolic links: made, read, followed in the middle of a path and at its
// end (stat) or not (lstat, readlink, unlink), through O_CREAT to a name
// that does not exist yet, and refused with ELOOP when they loop or with
// O_NOFOLLOW.
func TestSymlink(t *testing.T) {
	dir := t.TempDir()
	before := usageNow()
	p := func(n string) string { return filepath.Join(dir, n) }
	os.MkdirAll(p("sub"), 0o755)
	os.WriteFile(p("sub/file"), []byte("in sub"), 0o644)
	if err := os.Symlink("target", p("l")); err != nil {
		t.Fatal(err)
	}
	if got, err := os.Readlink(p("l")); err != nil || got != "target" {
		t.Errorf("Readlink = %q, %v", got, err)
	}
	fi, err := os.Lstat(p("l"))
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 || fi.Size() != int64(len("target")) {
		t.Errorf("Lstat of a link: %v, %v", fi, err)
	}
	_, err = os.Stat(p("l"))
	wantErrno(t, "Stat through a dangling link", err, syscall.ENOENT)
	os.WriteFile(p("target"), []byte("T"), 0o644)
	if got, err := os.ReadFile(p("l")); err != nil || string(got) != "T" {
		t.Errorf("ReadFile through the link: %q, %v", got, err)
	}
	// A link to a directory, relative and absolute, in the middle of a path.
	os.Symlink("sub", p("ld"))
	os.Symlink(p("sub"), p("abs"))
	for _, via := range []string{"ld/file", "abs/file", "ld/../sub/file"} {
		if got, err := os.ReadFile(p(via)); err != nil || string(got) != "in sub" {
			t.Errorf("ReadFile(%s) = %q, %v", via, got, err)
		}
	}
	if real, err := filepath.EvalSymlinks(p("ld/file")); err != nil || real != p("sub/file") {
		t.Errorf("EvalSymlinks = %q, %v; want %q", real, err, p("sub/file"))
	}
	// O_CREAT through a dangling link makes its target; O_EXCL refuses.
	os.Symlink("made", p("dl"))
	if err := os.WriteFile(p("dl"), []byte("M"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(p("made")); err != nil || string(got) != "M" {
		t.Errorf("the link's target after writing through it: %q, %v", got, err)
	}
	_, err = os.OpenFile(p("dl"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	wantErrno(t, "O_CREAT|O_EXCL on a link", err, syscall.EEXIST)
	_, err = syscall.Open(p("l"), syscall.O_RDONLY|syscall.O_NOFOLLOW, 0)
	wantErrno(t, "O_NOFOLLOW on a link", err, syscall.ELOOP)
	os.Symlink("loop", p("loop"))
	_, err = os.Stat(p("loop"))
	wantErrno(t, "a link to itself", err, syscall.ELOOP)
	// ReadDir reports links as links.
	ents, _ := os.ReadDir(dir)
	links := 0
	for _, e := range ents {
		if e.Type()&fs.ModeSymlink != 0 {
			links++
		}
	}
	if links != 5 {
		t.Errorf("ReadDir shows %d links, want 5", links)
	}
	// Removing a link leaves its target.
	os.Remove(p("l"))
	if _, err := os.Stat(p("target")); err != nil {
		t.Errorf("removing the link removed its target: %v", err)
	}
	os.RemoveAll(dir)
	os.Mkdir(dir, 0o700)
	wantUsage(t, before, "after removing the links")
}

// ".." after a symbolic link is taken from where the link led, as on
// Linux: with w/d a link to w, w/d/../a is "a" beside w, not in it. So a
// file made through such a path outlives the removal of w: it is still
// linked, not lost, and removing the directory above w gives its inode
// and frames back. (The system-call fuzzer's paths once did this and its
// check, which removed only w, took the files for a leak.)
func TestDotDotAfterSymlink(t *testing.T) {
	top := t.TempDir()
	before := usageNow()
	w := filepath.Join(top, "w")
	if err := os.Mkdir(w, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(w, filepath.Join(w, "d")); err != nil {
		t.Fatal(err)
	}
	escape := w + "/d/../a" // not filepath.Join, which would make it w/a
	if err := os.WriteFile(escape, []byte("beside w"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(top, "a")); err != nil || string(got) != "beside w" {
		t.Errorf("the file made through w/d/../a, read as top/a: %q, %v", got, err)
	}
	_, err := os.Lstat(filepath.Join(w, "a"))
	wantErrno(t, "Lstat(w/a)", err, syscall.ENOENT)
	// A rename of w itself to that name moves the whole tree beside it.
	os.Remove(filepath.Join(top, "a"))
	if err := os.Rename(w, escape); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(filepath.Join(top, "a", "d")); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("after renaming w to w/d/../a, Lstat(top/a/d) = %v, %v; want the link", fi, err)
	}
	if err := os.MkdirAll(filepath.Join(w, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(w)
	if now := usageNow(); now.inodes != before.inodes+2 {
		t.Errorf("with w removed and top/a (a directory and its link) left: %d inodes, want %d", now.inodes, before.inodes+2)
	}
	os.RemoveAll(filepath.Join(top, "a"))
	wantUsage(t, before, "after removing what was made beside w")
}
