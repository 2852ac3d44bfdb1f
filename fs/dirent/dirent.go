// Package dirent encodes struct linux_dirent64, the record getdents64(2)
// returns (include/linux/dirent.h; fs/readdir.c's filldir64):
//
//	offset  0  d_ino     u64
//	offset  8  d_off     s64  the directory position after this entry
//	offset 16  d_reclen  u16  the record's length, a multiple of 8
//	offset 18  d_type    u8   DT_DIR, DT_REG, ...
//	offset 19  d_name         the name and a NUL, then zero padding
//
// It is pure (no kernel state), so its host test checks it against the
// Go syscall package's own parser. Any context: no allocation.
package dirent

import "encoding/binary"

// File types for d_type.
const (
	DT_DIR = 4
	DT_REG = 8
	DT_LNK = 10
)

const header = 19

// Len is the length of the record for a name of n bytes.
func Len(n int) int { return (header + n + 1 + 7) &^ 7 }

// Put encodes one record at the start of b, which must hold Len(len(name))
// bytes, and returns its length.
func Put(b []byte, ino uint64, off int64, typ uint8, name []byte) int {
	n := Len(len(name))
	binary.LittleEndian.PutUint64(b[0:], ino)
	binary.LittleEndian.PutUint64(b[8:], uint64(off))
	binary.LittleEndian.PutUint16(b[16:], uint16(n))
	b[18] = typ
	copy(b[header:], name)
	clear(b[header+len(name) : n])
	return n
}
