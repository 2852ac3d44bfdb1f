package mbimage_test

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"gopreempt/internal/mbimage"
	"gopreempt/internal/mbimage/mbtest"
)

// writeELF writes a synthetic x86-64 ELF and returns its path.
func writeELF(t *testing.T, entry uint64, segs ...mbtest.Segment) string {
	t.Helper()
	return writeFile(t, mbtest.ELF(elf.EM_X86_64, entry, segs...))
}

func writeFile(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kernel.elf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pattern returns n bytes that differ from their neighbours and from
// other patterns' bytes, so misplaced copies are caught.
func pattern(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// findHeader searches img the way a Multiboot loader does (32-bit aligned
// offsets within the first 8 KiB, magic followed by a valid checksum) and
// decodes the header's address fields.
func findHeader(t *testing.T, img []byte) (off int, flags uint32, info mbimage.Info) {
	t.Helper()
	le := binary.LittleEndian
	for off = 0; off+mbimage.HeaderSize <= min(len(img), mbimage.SearchLimit); off += 4 {
		w := func(i int) uint32 { return le.Uint32(img[off+4*i:]) }
		if w(0) != mbimage.Magic || w(0)+w(1)+w(2) != 0 {
			continue
		}
		return off, w(1), mbimage.Info{
			HeaderAddr:  w(3),
			LoadAddr:    w(4),
			LoadEndAddr: w(5),
			BssEndAddr:  w(6),
			EntryAddr:   w(7),
		}
	}
	t.Fatal("no valid Multiboot header in the first 8 KiB")
	return
}
