package fuzz_test

import (
	"os"
	"path/filepath"
	"testing"

	"gopreempt/fs/tmpfs"
)

// TestPathsStayUnderTop replays what a run once did by chance, which
// takes no race, only the right calls in order: fuzzDir/d replaced by a
// link to fuzzDir, then a file, and fuzzDir itself, renamed through
// fuzzDir/d/../a. Both land beside fuzzDir, and the clean-up at the end
// of a run must still give every inode and frame back.
func TestPathsStayUnderTop(t *testing.T) {
	frames0, _, inodes0 := tmpfs.Usage()
	if err := os.MkdirAll(fuzzDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(fuzzDir, fuzzDir+"/d"); err != nil {
		t.Fatal(err)
	}
	escape := fuzzDir + "/d/../a" // one of the fuzzer's paths
	if err := os.WriteFile(escape, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Dir(fuzzDir) + "/a"); err != nil {
		t.Errorf("the file made through %s is not beside %s: %v", escape, fuzzDir, err)
	}
	if err := os.Rename(fuzzDir+"/d", fuzzDir+"/l"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(fuzzDir, fuzzDir+"/d"); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(escape); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(fuzzDir, escape); err != nil { // fuzzDir, with its links, moves beside itself
		t.Fatal(err)
	}
	if err := os.MkdirAll(fuzzDir+"/d", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(fuzzTop); err != nil {
		t.Fatal(err)
	}
	if frames, _, inodes := tmpfs.Usage(); frames != frames0 || inodes != inodes0 {
		t.Errorf("after the clean-up the tmpfs holds %d frames and %d inodes, %d and %d before",
			frames, inodes, frames0, inodes0)
	}
}
