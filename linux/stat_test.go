package linux

import (
	"syscall"
	"testing"
	"unsafe"

	"gopreempt/fs/tmpfs"
)

// A host test: putStat and putStatx lay the attributes out where the
// x86-64 ABI puts them, read back through the Go syscall package's own
// struct stat and through the statx offsets of include/uapi/linux/stat.h.
func TestStatLayout(t *testing.T) {
	st := tmpfs.Kstat{Ino: 77, Mode: tmpfs.S_IFREG | 0o640, Nlink: 3, Size: 5000, Blocks: 16, Blksize: 4096}
	st.Atime.Sec, st.Atime.Nsec = 1, 2
	st.Mtime.Sec, st.Mtime.Nsec = 3, 4
	st.Ctime.Sec, st.Ctime.Nsec = 5, 6
	st.Btime.Sec, st.Btime.Nsec = 7, 8

	var buf [sizeofStat]byte
	if unsafe.Sizeof(syscall.Stat_t{}) != sizeofStat {
		t.Fatalf("syscall.Stat_t is %d bytes, sizeofStat %d", unsafe.Sizeof(syscall.Stat_t{}), sizeofStat)
	}
	putStat(buf[:], &st)
	s := (*syscall.Stat_t)(unsafe.Pointer(&buf[0]))
	if s.Dev != tmpfs.Dev || s.Ino != 77 || s.Mode != st.Mode || s.Nlink != 3 || s.Size != 5000 ||
		s.Blocks != 16 || s.Blksize != 4096 || s.Uid != 0 || s.Rdev != 0 {
		t.Errorf("struct stat read back as %+v", *s)
	}
	if s.Atim.Sec != 1 || s.Atim.Nsec != 2 || s.Mtim.Sec != 3 || s.Mtim.Nsec != 4 || s.Ctim.Sec != 5 || s.Ctim.Nsec != 6 {
		t.Errorf("struct stat times read back as %+v %+v %+v", s.Atim, s.Mtim, s.Ctim)
	}

	var x [sizeofStatx]byte
	putStatx(x[:], &st)
	u32 := func(off int) uint32 { return *(*uint32)(unsafe.Pointer(&x[off])) }
	u64 := func(off int) uint64 { return *(*uint64)(unsafe.Pointer(&x[off])) }
	u16 := func(off int) uint16 { return *(*uint16)(unsafe.Pointer(&x[off])) }
	for _, c := range []struct {
		field     string
		got, want uint64
	}{
		{"stx_mask", uint64(u32(0)), STATX_BASIC_STATS | STATX_BTIME},
		{"stx_blksize", uint64(u32(4)), 4096},
		{"stx_nlink", uint64(u32(16)), 3},
		{"stx_mode", uint64(u16(28)), uint64(st.Mode)},
		{"stx_ino", u64(32), 77},
		{"stx_size", u64(40), 5000},
		{"stx_blocks", u64(48), 16},
		{"stx_atime", u64(64)<<32 | uint64(u32(72)), 1<<32 | 2},
		{"stx_btime", u64(80)<<32 | uint64(u32(88)), 7<<32 | 8},
		{"stx_ctime", u64(96)<<32 | uint64(u32(104)), 5<<32 | 6},
		{"stx_mtime", u64(112)<<32 | uint64(u32(120)), 3<<32 | 4},
		{"stx_dev_minor", uint64(u32(140)), tmpfs.Dev},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.field, c.got, c.want)
		}
	}
}
