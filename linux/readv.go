package linux

import (
	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
)

// readv and writev: read(2) and write(2) over a list of buffers (struct
// iovec), one buffer after another, stopping at the first that is not
// wholly transferred, as Linux's do_loop_readv_writev does for a file
// without vectored operations. The result is the bytes moved, or the
// first buffer's error if nothing was. Any kind of descriptor.
//
// SYSCALL context: the iovec array is read in place.
const UIO_MAXIOV = 1024

type iovec struct {
	base uint64
	len  uint64
}

func sysReadv(f *amd64.TrapFrame) int64 {
	return vectored(f.RDI, uintptr(f.RSI), f.RDX, true, fdRead)
}

func sysWritev(f *amd64.TrapFrame) int64 {
	return vectored(f.RDI, uintptr(f.RSI), f.RDX, false, fdWrite)
}

// vectored runs op on each buffer of the iovec array; write says that op
// stores into the buffers (readv), so they must be writable.
func vectored(fd uint64, iov uintptr, n uint64, write bool, op func(fd uint64, b []byte) int64) int64 {
	if fileOf(fd) == nil {
		return -EBADF
	}
	if n > UIO_MAXIOV {
		return -EINVAL
	}
	if !accessOK(iov, uintptr(n)*16, false) {
		return -EFAULT
	}
	var sum uint64
	for i := uint64(0); i < n; i++ {
		v := (*iovec)(addr.Ptr(iov + uintptr(i)*16))
		if int64(v.len) < 0 || int64(sum+v.len) < 0 {
			return -EINVAL // a length or the total does not fit ssize_t
		}
		sum += v.len
	}
	var done int64
	for i := uint64(0); i < n; i++ {
		v := (*iovec)(addr.Ptr(iov + uintptr(i)*16))
		if v.len == 0 {
			continue
		}
		b, ok := userSlice(uintptr(v.base), int(v.len), write)
		r := int64(-EFAULT)
		if ok {
			r = op(fd, b)
		}
		if r < 0 {
			if done == 0 {
				return r
			}
			break
		}
		done += r
		if uint64(r) < v.len {
			break
		}
	}
	return done
}
