package dirent

import (
	"encoding/binary"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// Records Put one after another parse back with the syscall package's
// ParseDirent (what os.ReadDir uses), with their lengths aligned to 8 and
// the name NUL-terminated and zero-padded.
func TestPutParsesBack(t *testing.T) {
	names := []string{".", "..", "a", "seven77", "exactly8", strings.Repeat("n", 255)}
	buf := make([]byte, 4096)
	n := 0
	for i, name := range names {
		want := Len(len(name))
		if want%8 != 0 || want < header+len(name)+1 || want >= header+len(name)+1+8 {
			t.Errorf("Len(%d) = %d", len(name), want)
		}
		for j := n; j < n+want; j++ {
			buf[j] = 0xff // Put must write every byte of its record
		}
		if got := Put(buf[n:], uint64(100+i), int64(i+1), DT_REG, []byte(name)); got != want {
			t.Errorf("Put(%q) = %d, want Len %d", name, got, want)
		}
		rec := buf[n : n+want]
		if rec[header+len(name)] != 0 || slices.ContainsFunc(rec[header+len(name):], func(c byte) bool { return c != 0 }) {
			t.Errorf("record of %q: name not NUL-terminated and zero-padded: % x", name, rec[header+len(name):])
		}
		if binary.LittleEndian.Uint64(rec[0:]) != uint64(100+i) || binary.LittleEndian.Uint64(rec[8:]) != uint64(i+1) ||
			rec[18] != DT_REG {
			t.Errorf("record of %q: header % x", name, rec[:header])
		}
		n += want
	}
	_, count, got := syscall.ParseDirent(buf[:n], -1, nil)
	// ParseDirent drops "." and "..".
	if count != len(names)-2 || !slices.Equal(got, names[2:]) {
		t.Errorf("ParseDirent found %d names %q, want %q", count, got, names[2:])
	}
}
