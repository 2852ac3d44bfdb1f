package linux

import (
	"unsafe"

	"gopreempt/internal/addr"
	"gopreempt/mm"
)

// User-memory access (Linux's arch/x86/include/asm/uaccess.h: access_ok,
// get_user, put_user, copy_from_user, copy_to_user).
//
// A system call's pointer argument is whatever the caller put in a
// register. Linux lets the copy fault and recovers through the exception
// table; this kernel has no exception tables, and a fault in kernel code
// is an oops. So every access first asks whether the runtime may reach
// the bytes (accessOK), and the call fails with -EFAULT when not, as
// Linux's would. Memory the runtime may reach is:
//
//   - its mappings (mm.AccessOK: a vma whose protection allows the
//     access; PROT_NONE, unmapped, below 4 GiB or above the user top, and
//     non-canonical addresses are refused), and
//   - the kernel image's rodata (read) and data/bss (read and write),
//     because the runtime is linked into the image: runtime.m0's futex
//     words and g0 buffers, the string constants it writes or opens
//     (mm.ImageAccessOK). Kernel text, the low 64 KiB, page tables, the
//     kernel-stack region and every other kernel address are refused.
//
// The race: another thread may munmap the range between the check and
// the access. The runtime never unmaps memory a system call is using,
// and a program that does gets an oops here where Linux would give it
// EFAULT; the fuzzer does not unmap the Go heap.
//
// SYSCALL context: no allocation, nosplit, no defer.

// accessOK reports whether the caller may read (or, with write, write)
// the n bytes at p. n == 0 is always fine, as on Linux.
//
//go:nosplit
func accessOK(p, n uintptr, write bool) bool {
	if n == 0 {
		return true
	}
	end := p + n
	if end < p {
		return false
	}
	return mm.AccessOK(p, end, write) || mm.ImageAccessOK(p, end, write)
}

// getUser64 reads a uint64 from user memory; ok is false (the call then
// fails with -EFAULT) when p is not readable.
//
//go:nosplit
func getUser64(p uintptr) (v uint64, ok bool) {
	if !accessOK(p, 8, false) {
		return 0, false
	}
	return *(*uint64)(addr.Ptr(p)), true
}

// putUser32 writes a uint32 to user memory, or reports false.
//
//go:nosplit
func putUser32(p uintptr, v uint32) bool {
	if !accessOK(p, 4, true) {
		return false
	}
	*(*uint32)(addr.Ptr(p)) = v
	return true
}

// putUser64 writes a uint64 to user memory, or reports false.
//
//go:nosplit
func putUser64(p uintptr, v uint64) bool {
	if !accessOK(p, 8, true) {
		return false
	}
	*(*uint64)(addr.Ptr(p)) = v
	return true
}

// copyFromUser copies len(dst) bytes from user memory at p.
//
//go:nosplit
func copyFromUser(dst []byte, p uintptr) bool {
	if !accessOK(p, uintptr(len(dst)), false) {
		return false
	}
	if len(dst) > 0 {
		copy(dst, unsafe.Slice((*byte)(addr.Ptr(p)), len(dst)))
	}
	return true
}

// copyToUser copies src to user memory at p.
//
//go:nosplit
func copyToUser(p uintptr, src []byte) bool {
	if !accessOK(p, uintptr(len(src)), true) {
		return false
	}
	if len(src) > 0 {
		copy(unsafe.Slice((*byte)(addr.Ptr(p)), len(src)), src)
	}
	return true
}

// userSlice is the caller's buffer [p, p+n) as a slice, for the calls
// that read or write it in place (read, write, getdents64...), or
// ok=false when the buffer is not all readable (writable, with write).
// A negative n is refused too: the length registers are unsigned in
// Linux, and a huge one cannot lie in user memory.
//
//go:nosplit
func userSlice(p uintptr, n int, write bool) (b []byte, ok bool) {
	if n < 0 || !accessOK(p, uintptr(n), write) {
		return nil, false
	}
	return userBytes(p, n), true
}

// getTimespec reads a struct timespec from user memory.
//
//go:nosplit
func getTimespec(p uintptr) (ts timespec, ok bool) {
	if !accessOK(p, 16, false) {
		return ts, false
	}
	return *userTimespec(p), true
}

// putTimespec writes a struct timespec to user memory.
//
//go:nosplit
func putTimespec(p uintptr, ts timespec) bool {
	if !accessOK(p, 16, true) {
		return false
	}
	*userTimespec(p) = ts
	return true
}
