package linux

import (
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/kernel"
)

// epoll and eventfd: the runtime's network poller (netpoll_epoll.go). The
// runtime creates one epoll instance and one eventfd, registers the
// eventfd for EPOLLIN, and then sleeps in epoll_pwait whenever it has
// timers but nothing to run; another thread writes the eventfd to wake it
// early (netpollBreak). So epoll_pwait must really block, with a timeout,
// and an eventfd write must really wake it.
//
// Readiness is computed when asked (level-triggered): an eventfd is
// readable when its counter is non-zero, a pipe when it holds data. Tasks
// sleeping in epoll_pwait wait on one wait list; any change that may
// make a file ready wakes them all, and each checks its own interest list.
const (
	EPOLL_CTL_ADD = 1
	EPOLL_CTL_DEL = 2
	EPOLL_CTL_MOD = 3

	EPOLLIN  = 0x1
	EPOLLOUT = 0x4
	EPOLLERR = 0x8
	EPOLLHUP = 0x10
	EPOLLET  = 1 << 31

	EFD_NONBLOCK = 0x800

	maxInterest = 16
)

type interest struct {
	fd     int32
	events uint32
	data   uint64
}

type epollState struct {
	n    int
	list [maxInterest]interest
}

// epollEvent is struct epoll_event, which is packed on x86-64.
type epollEvent struct {
	events uint32
	data   [2]uint32
}

// pollWaiters are the tasks blocked in epoll_pwait.
var pollWaiters struct {
	lock  amd64.RawLock
	tasks [64]uintptr
}

func sysEpollCreate1(f *amd64.TrapFrame) int64 {
	return int64(allocFile(fileEpoll))
}

func sysEpollCtl(f *amd64.TrapFrame) int64 {
	ep := fileOf(f.RDI)
	if ep == nil || ep.kind != fileEpoll {
		return -EBADF
	}
	fd := int32(f.RDX)
	if fileOf(uint64(fd)) == nil {
		return -EBADF
	}
	if fileOf(uint64(fd)).kind == fileTmpfs {
		return -EPERM // a regular file or directory is always ready: Linux refuses it
	}
	e := &ep.epoll
	i := 0
	for i < e.n && e.list[i].fd != fd {
		i++
	}
	switch f.RSI {
	case EPOLL_CTL_ADD:
		if i < e.n {
			return -EEXIST
		}
		if e.n == maxInterest {
			return -ENOMEM
		}
		ev := (*epollEvent)(addr.Ptr(uintptr(f.R10)))
		e.list[e.n] = interest{fd, ev.events, uint64(ev.data[0]) | uint64(ev.data[1])<<32}
		e.n++
	case EPOLL_CTL_MOD:
		if i == e.n {
			return -ENOENT
		}
		ev := (*epollEvent)(addr.Ptr(uintptr(f.R10)))
		e.list[i].events = ev.events
		e.list[i].data = uint64(ev.data[0]) | uint64(ev.data[1])<<32
	case EPOLL_CTL_DEL:
		if i == e.n {
			return -ENOENT
		}
		e.n--
		e.list[i] = e.list[e.n]
	default:
		return -EINVAL
	}
	return 0
}

// readiness returns the EPOLL* bits that hold now for fd.
func readiness(fd int32) uint32 {
	fp := fileOf(uint64(fd))
	if fp == nil {
		return EPOLLERR
	}
	switch fp.kind {
	case fileEventfd:
		r := uint32(EPOLLOUT)
		if fp.counter > 0 {
			r |= EPOLLIN
		}
		return r
	case filePipeRead:
		return pipeReadiness(fp)
	case filePipeWrite:
		return EPOLLOUT
	case fileConsole:
		return EPOLLOUT
	}
	return 0
}

// collect writes the ready events of ep into the caller's array.
func collect(ep *epollState, events uintptr, max int) int {
	n := 0
	for i := 0; i < ep.n && n < max; i++ {
		in := &ep.list[i]
		r := readiness(in.fd) & (in.events | EPOLLERR | EPOLLHUP)
		if r == 0 {
			continue
		}
		ev := (*epollEvent)(addr.Ptr(events + uintptr(n)*unsafe.Sizeof(epollEvent{})))
		ev.events = r
		ev.data[0], ev.data[1] = uint32(in.data), uint32(in.data>>32)
		n++
	}
	return n
}

func sysEpollPwait(f *amd64.TrapFrame) int64 {
	epf := fileOf(f.RDI)
	if epf == nil || epf.kind != fileEpoll {
		return -EBADF
	}
	events, max, timeout := uintptr(f.RSI), int(f.RDX), int64(int32(f.R10))
	if max <= 0 {
		return -EINVAL
	}
	var deadline uint64
	if timeout > 0 {
		deadline = kernel.Nanotime() + uint64(timeout)*1e6
	}
	t := kernel.Current()
	for {
		// Announce the sleep before looking, so that a wake-up after the
		// look is not lost (see kernel.SetCurrentState).
		slot := addPollWaiter(t)
		kernel.SetCurrentState(kernel.TASK_INTERRUPTIBLE)
		if n := collect(&epf.epoll, events, max); n > 0 || timeout == 0 {
			kernel.SetCurrentState(kernel.TASK_RUNNING)
			removePollWaiter(slot)
			return int64(n)
		}
		now := kernel.Nanotime()
		if timeout > 0 && now >= deadline {
			kernel.SetCurrentState(kernel.TASK_RUNNING)
			removePollWaiter(slot)
			return 0
		}
		if kernel.SignalPending() {
			// epoll_wait is never restarted (Linux's ep_poll).
			kernel.SetCurrentState(kernel.TASK_RUNNING)
			removePollWaiter(slot)
			return -EINTR
		}
		wait := int64(-1)
		if timeout > 0 {
			wait = int64(deadline - now)
		}
		kernel.ScheduleTimeout(wait)
		removePollWaiter(slot)
	}
}

func addPollWaiter(t *kernel.Task) int {
	fl := pollWaiters.lock.Lock()
	defer pollWaiters.lock.Unlock(fl)
	for i := range pollWaiters.tasks {
		if pollWaiters.tasks[i] == 0 {
			pollWaiters.tasks[i] = uintptr(unsafe.Pointer(t))
			return i
		}
	}
	return -1
}

func removePollWaiter(slot int) {
	if slot < 0 {
		return
	}
	fl := pollWaiters.lock.Lock()
	pollWaiters.tasks[slot] = 0
	pollWaiters.lock.Unlock(fl)
}

// wakePollers wakes every task in epoll_pwait to re-check readiness.
func wakePollers() {
	fl := pollWaiters.lock.Lock()
	for _, a := range pollWaiters.tasks {
		if a != 0 {
			kernel.WakeUpProcess((*kernel.Task)(addr.Ptr(a)))
		}
	}
	pollWaiters.lock.Unlock(fl)
}

func sysEventfd2(f *amd64.TrapFrame) int64 {
	fd := allocFile(fileEventfd)
	if fd < 0 {
		return int64(fd)
	}
	fp := &files.f[fd]
	fp.counter = f.RDI
	fp.nonblock = f.RSI&EFD_NONBLOCK != 0
	return int64(fd)
}

func eventfdRead(fp *file, b []byte) int64 {
	if len(b) < 8 {
		return -EINVAL
	}
	for {
		fl := files.lock.Lock()
		v := fp.counter
		fp.counter = 0
		files.lock.Unlock(fl)
		if v != 0 {
			*(*uint64)(unsafe.Pointer(&b[0])) = v
			return 8
		}
		if fp.nonblock {
			return -EAGAIN
		}
		if sleepUntil(kernel.Nanotime()+1e6, kernel.TASK_INTERRUPTIBLE) != 0 {
			return -kernel.ERESTARTSYS // a blocking read restarts after SA_RESTART
		}
	}
}

func eventfdWrite(fp *file, b []byte) int64 {
	if len(b) < 8 {
		return -EINVAL
	}
	fl := files.lock.Lock()
	fp.counter += *(*uint64)(unsafe.Pointer(&b[0]))
	files.lock.Unlock(fl)
	wakePollers()
	return 8
}
