package tmpfs_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"gopreempt/fs/tmpfs"
	"gopreempt/kernel"
	"gopreempt/mm"
)

// pattern is n bytes that differ from page to page and within a page, so
// that a page read from the wrong place is seen.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i/4096) ^ byte(i*7) ^ seed
	}
	return b
}

// A file of 3 MiB spans the inode's direct slots (480 pages) and the
// indirect page; a write at 600 MiB goes through the double-indirect
// page. The sparse file holds only the pages written.
func TestLargeFile(t *testing.T) {
	dir := t.TempDir()
	before := usageNow()
	name := filepath.Join(dir, "big")
	want := pattern(3<<20, 1)
	if err := os.WriteFile(name, want, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(name)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("3 MiB file read back: %d bytes, equal %v, %v", len(got), bytes.Equal(got, want), err)
	}
	if now := usageNow(); now.frames < before.frames+768 {
		t.Errorf("a 3 MiB file holds %d frames, want at least 768", now.frames-before.frames)
	}

	sparse := filepath.Join(dir, "sparse")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	const far = 600 << 20
	tail := pattern(10000, 2)
	if _, err := f.WriteAt(tail, far); err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Size() != far+10000 || st.Blocks != 3*8 {
		t.Errorf("sparse file: size %d, %d blocks; want %d and 24 (three pages)", fi.Size(), st.Blocks, far+10000)
	}
	back := make([]byte, 10000)
	if _, err := f.ReadAt(back, far); err != nil || !bytes.Equal(back, tail) {
		t.Errorf("far write read back: equal %v, %v", bytes.Equal(back, tail), err)
	}
	hole := make([]byte, 8192)
	if _, err := f.ReadAt(hole, 300<<20); err != nil || !bytes.Equal(hole, make([]byte, 8192)) {
		t.Errorf("a hole reads %v, %v; want zeros", hole[:8], err)
	}
	// Past the largest size: EFBIG.
	_, err = f.WriteAt([]byte("x"), tmpfs.MaxFileSize)
	wantErrno(t, "write at MaxFileSize", err, syscall.EFBIG)
	f.Close()
	os.Remove(name)
	os.Remove(sparse)
	wantUsage(t, before, "after removing the large files")
}

// An unlinked file keeps its pages while it is open; the last close gives
// them back to the frame allocator.
func TestFramesReturnedAtLastClose(t *testing.T) {
	dir := t.TempDir()
	before := usageNow()
	name := filepath.Join(dir, "f")
	data := pattern(1<<20, 3)
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stat after Remove: %v", err)
	}
	held := usageNow()
	if held.frames < before.frames+256 || held.inodes != before.inodes+1 {
		t.Errorf("unlinked open file: %d frames, %d inodes more than before; want 256+ and 1",
			held.frames-before.frames, held.inodes-before.inodes)
	}
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("reading the unlinked file: %d bytes, %v", len(got), err)
	}
	freeBefore, _ := mm.FreeFrames()
	f.Close()
	freeAfter, _ := mm.FreeFrames()
	wantUsage(t, before, "after the last close")
	if back := int64(freeAfter) - int64(freeBefore); back < 256-32 {
		t.Errorf("the frame allocator got %d frames back at the last close, want about 257", back)
	}
}

// At the size limit a write stops short, then fails with ENOSPC, and so
// does a new name that needs a frame; removing files makes room again.
func TestENOSPC(t *testing.T) {
	dir := t.TempDir()
	before := usageNow()
	const room = 64 // frames
	tmpfs.SetSizeLimit(int64(before.frames+room) * 4096)
	defer tmpfs.SetSizeLimit(-1)

	f, err := os.Create(filepath.Join(dir, "fill"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.Write(make([]byte, 1<<20))
	wantErrno(t, "writing 1 MiB into 64 frames", err, syscall.ENOSPC)
	if n <= 0 || n >= room*4096 {
		t.Errorf("short write of %d bytes, want between 0 and %d", n, room*4096)
	}
	if _, err := f.Write([]byte("more")); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("write at the limit: %v, want ENOSPC", err)
	}
	if _, err := os.Create(filepath.Join(dir, "another")); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("create at the limit: %v, want ENOSPC", err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("mkdir at the limit: %v, want ENOSPC", err)
	}
	if _, frames, _ := tmpfs.Usage(); usageNow().frames > frames {
		t.Errorf("the file system holds %d frames, over its limit of %d", usageNow().frames, frames)
	}
	f.Close()
	if err := os.Remove(filepath.Join(dir, "fill")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fits"), make([]byte, 8192), 0o644); err != nil {
		t.Errorf("after removing the full file, a small one: %v", err)
	}
	os.Remove(filepath.Join(dir, "fits"))
	wantUsage(t, before, "after the ENOSPC test")
}

// A long read lets go of the file system's lock when a reschedule is due
// (cond_resched_lock), and still returns the right bytes. The test asks
// for the reschedule itself: need_resched set on its own task (the
// goroutine locked to its thread) just before the read. A timer tick may
// consume it before the read takes the lock, so it tries a few times.
func TestLongReadBreaksLock(t *testing.T) {
	name := filepath.Join(t.TempDir(), "long")
	want := pattern(1<<20, 4)
	if err := os.WriteFile(name, want, 0o644); err != nil {
		t.Fatal(err)
	}
	fd, err := syscall.Open(name, syscall.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	got := make([]byte, len(want))
	for try := 0; try < 50; try++ {
		before := tmpfs.LockBreaks()
		kernel.SetTskNeedResched(kernel.Current())
		n, err := syscall.Pread(fd, got, 0)
		if err != nil || n != len(want) || !bytes.Equal(got, want) {
			t.Fatalf("pread of 1 MiB: %d, %v, equal %v", n, err, bytes.Equal(got, want))
		}
		if tmpfs.LockBreaks() > before {
			return
		}
	}
	t.Errorf("50 reads of 1 MiB with need_resched set never let go of the lock")
}
