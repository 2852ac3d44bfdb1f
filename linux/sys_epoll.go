package linux

import (
	"sync/atomic"
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
// An epoll instance's interest list is a linked list of epitems (Linux's
// struct epitem) from an object cache: any number of fds, ENOMEM when
// memory runs out. Readiness is computed when asked: an eventfd is
// readable when its counter is non-zero, a pipe when it holds data.
//
// Level- and edge-triggered watches differ as in Linux's ep_send_events.
// A level-triggered watch is reported whenever its file is ready. An
// edge-triggered one (EPOLLET, which the runtime's netpoll uses for every
// fd) is reported once per event on its file: Linux queues an epitem on
// the ready list when the file's wait queue is woken with a key it
// watches (ep_poll_callback), and takes it off when it reports it. Here a
// file counts those wake-ups instead (pollEvents: one count for "may be
// readable", one for "may be writable"), and the watch remembers the
// counts it last reported at. Were EPOLLET taken as level-triggered, a
// pipe holding data that no goroutine reads yet would end every
// epoll_pwait at once, and the runtime's idle threads would spin in
// netpoll. EPOLLONESHOT disables the watch after one report until
// EPOLL_CTL_MOD re-arms it.
//
// epoll_pwait waits on one wait queue, pollWait, where Linux has one per
// file and a callback per watch (ep_poll_callback): every change that
// may make a file ready wakes all of pollWait's waiters (wakePollers),
// and each looks at its own interest list again. That costs a herd of
// wake-ups when many threads poll, never a lost one: a waiter queues
// before it looks (wait_event). A blocking eventfd read or write waits on
// the eventfd's own queue (fs/eventfd.c's ctx->wqh), so that it sleeps
// through the runtime's netpoll traffic.
//
// SYSCALL context: no allocation, no heap pointer stores. The ready
// events are gathered under the instance's lock into a buffer on the
// kernel stack and copied out after it.
const (
	EPOLL_CTL_ADD = 1
	EPOLL_CTL_DEL = 2
	EPOLL_CTL_MOD = 3

	EPOLLIN  = 0x1
	EPOLLOUT = 0x4
	EPOLLERR = 0x8
	EPOLLHUP = 0x10

	EPOLLONESHOT = 1 << 30
	EPOLLET      = 1 << 31
	// epollPrivate are the flags that are no events (Linux's
	// EP_PRIVATE_BITS, less EPOLLWAKEUP and EPOLLEXCLUSIVE): a oneshot
	// watch keeps only these once it has reported.
	epollPrivate = EPOLLONESHOT | EPOLLET

	EFD_NONBLOCK = 0x800

	epollBatch = 64 // events gathered per look
)

// epitem is one watched fd, linked from its instance. For an
// edge-triggered watch, armed and the two counts say whether its file has
// had an event since the watch last reported: armed when it is added or
// modified (Linux polls the file then and queues it if ready), and
// seenIn/seenOut are the file's pollEvents at the last report.
type epitem struct {
	next            uintptr // *epitem
	fd              int32
	events          uint32
	data            uint64
	armed           bool
	seenIn, seenOut uint64
}

// pollEvents counts the wake-ups of a file that may have made it
// readable (in) or writable (out); a hang-up counts as both. Linux
// passes the same news as the key of a wake_up on the file's wait queue.
type pollEvents struct{ in, out atomic.Uint64 }

// pollEventsOf returns fp's counts, or nil for a file that is never
// woken (the console is always writable).
func pollEventsOf(fp *file) *pollEvents {
	switch fp.kind {
	case fileEventfd:
		return &fp.poll
	case filePipeRead, filePipeWrite:
		return &pipeAt(fp.pipe).poll
	}
	return nil
}

// pollNotify records an event on a file (key: EPOLLIN, EPOLLOUT or both)
// and wakes epoll's waiters to look. Any context.
func pollNotify(ev *pollEvents, key uint32) {
	if key&EPOLLIN != 0 {
		ev.in.Add(1)
	}
	if key&EPOLLOUT != 0 {
		ev.out.Add(1)
	}
	wakePollers()
}

var epitemCache = kmemCache{size: unsafe.Sizeof(epitem{})}

func epitemAt(a uintptr) *epitem { return (*epitem)(addr.Ptr(a)) }

// epollState is an epoll instance (Linux's struct eventpoll), in its file.
type epollState struct {
	lock  amd64.RawLock
	items uintptr // *epitem
	n     int32
}

// epollEvent is struct epoll_event, which is packed on x86-64.
type epollEvent struct {
	events uint32
	data   [2]uint32
}

// pollWait is where epoll_pwait sleeps.
var pollWait kernel.WaitQueueHead

// wakePollers wakes every task in epoll_pwait to look again. Any
// context.
func wakePollers() { pollWait.WakeUpAll() }

func sysEpollCreate1(f *amd64.TrapFrame) int64 {
	fd := allocFile(fileEpoll)
	if fd >= 0 && f.RDI&O_CLOEXEC != 0 {
		files.f[fd].cloexec = true
	}
	return int64(fd)
}

// epollRelease frees an instance's watches when its file is closed;
// files.lock is held.
func epollRelease(e *epollState) {
	fl := e.lock.Lock()
	a := e.items
	e.items, e.n = 0, 0
	e.lock.Unlock(fl)
	for a != 0 {
		it := epitemAt(a)
		if w := fileOf(uint64(it.fd)); w != nil && w.watched.Load() > 0 {
			w.watched.Add(-1)
		}
		next := it.next
		epitemCache.release(a)
		a = next
	}
}

// epollForget drops every watch of the descriptor fp, which is being
// closed, from every epoll instance; files.lock is held. Linux removes a
// file's epitems when its last reference goes (eventpoll_release), so a
// closed descriptor is never reported again, and its number, reused, can
// be added anew. Here every descriptor is its own file (dup.go), so its
// close is that last reference. Only a descriptor that has watches
// (watched) pays for the walk over the table.
func epollForget(fp *file) {
	fd := int32((uintptr(unsafe.Pointer(fp)) - uintptr(unsafe.Pointer(&files.f[0]))) / unsafe.Sizeof(files.f[0]))
	for i := range files.f {
		ep := &files.f[i]
		if ep.kind != fileEpoll {
			continue
		}
		e := &ep.epoll
		var gone uintptr
		fl := e.lock.Lock()
		for link := &e.items; *link != 0; {
			it := epitemAt(*link)
			if it.fd != fd {
				link = &it.next
				continue
			}
			a := *link
			*link, it.next, gone = it.next, gone, a
			e.n--
		}
		e.lock.Unlock(fl)
		for gone != 0 {
			next := epitemAt(gone).next
			epitemCache.release(gone)
			gone = next
		}
	}
}

func sysEpollCtl(f *amd64.TrapFrame) int64 {
	ep := fileOf(f.RDI)
	fd := int32(f.RDX)
	if ep == nil || fileOf(uint64(fd)) == nil {
		return -EBADF
	}
	if fileOf(uint64(fd)).kind == fileTmpfs {
		return -EPERM // a regular file or directory is always ready: Linux refuses it
	}
	if ep.kind != fileEpoll || f.RDX == f.RDI {
		return -EINVAL
	}
	op := f.RSI
	var ev epollEvent
	if op != EPOLL_CTL_DEL {
		if !accessOK(uintptr(f.R10), unsafe.Sizeof(ev), false) {
			return -EFAULT
		}
		ev = *(*epollEvent)(addr.Ptr(uintptr(f.R10)))
	}
	data := uint64(ev.data[0]) | uint64(ev.data[1])<<32
	var fresh uintptr
	if op == EPOLL_CTL_ADD {
		if fresh = epitemCache.alloc(); fresh == 0 {
			return -ENOMEM
		}
	}
	e := &ep.epoll
	fl := e.lock.Lock()
	link := &e.items
	for *link != 0 && epitemAt(*link).fd != fd {
		link = &epitemAt(*link).next
	}
	r := int64(0)
	switch {
	case op == EPOLL_CTL_ADD && *link != 0:
		r = -EEXIST
	case op == EPOLL_CTL_ADD:
		*epitemAt(fresh) = epitem{next: e.items, fd: fd, events: ev.events, data: data, armed: true}
		e.items = fresh
		e.n++
		fresh = 0
		if w := fileOf(uint64(fd)); w != nil {
			w.watched.Add(1)
		}
	case op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL:
		r = -EINVAL
	case *link == 0:
		r = -ENOENT
	case op == EPOLL_CTL_MOD:
		it := epitemAt(*link)
		it.events, it.data, it.armed = ev.events, data, true
	default: // EPOLL_CTL_DEL
		gone := *link
		*link = epitemAt(gone).next
		e.n--
		fresh = gone
		if w := fileOf(uint64(fd)); w != nil && w.watched.Load() > 0 {
			w.watched.Add(-1)
		}
	}
	e.lock.Unlock(fl)
	if fresh != 0 {
		epitemCache.release(fresh) // unused, or deleted
	}
	if r == 0 && op != EPOLL_CTL_DEL {
		wakePollers() // the new watch may be ready already
	}
	return r
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
	case filePipeRead, filePipeWrite:
		return pipeReadiness(fp)
	case fileConsole:
		return EPOLLOUT
	}
	return 0
}

// collect gathers up to len(out) ready events of e. An edge-triggered
// or oneshot watch that it reports is consumed: see epitem.
func collect(e *epollState, out []epollEvent) int {
	n := 0
	fl := e.lock.Lock()
	for a := e.items; a != 0 && n < len(out); a = epitemAt(a).next {
		it := epitemAt(a)
		if it.events&^epollPrivate == 0 {
			continue // a oneshot watch that has reported
		}
		// The counts are read before the readiness: an event in
		// between is reported again next time, never lost.
		var in, out64 uint64
		fp := fileOf(uint64(it.fd))
		ev := (*pollEvents)(nil)
		if fp != nil {
			ev = pollEventsOf(fp)
		}
		if ev != nil {
			in, out64 = ev.in.Load(), ev.out.Load()
		}
		if it.events&EPOLLET != 0 && !it.armed && !edge(it, in, out64) {
			continue
		}
		r := readiness(it.fd) & (it.events | EPOLLERR | EPOLLHUP)
		if r == 0 {
			continue
		}
		it.armed, it.seenIn, it.seenOut = false, in, out64
		if it.events&EPOLLONESHOT != 0 {
			it.events &= epollPrivate
		}
		out[n].events = r
		out[n].data[0], out[n].data[1] = uint32(it.data), uint32(it.data>>32)
		n++
	}
	e.lock.Unlock(fl)
	return n
}

// edge reports whether the file of an edge-triggered watch has had an
// event it watches since the watch last reported (Linux's
// ep_poll_callback filters the wake-up's key by the watch's events; a
// hang-up or error is always news).
func edge(it *epitem, in, out uint64) bool {
	const always = EPOLLERR | EPOLLHUP
	return (it.events&(EPOLLIN|always) != 0 && in != it.seenIn) ||
		(it.events&(EPOLLOUT|always) != 0 && out != it.seenOut)
}

func sysEpollPwait(f *amd64.TrapFrame) int64 {
	epf := fileOf(f.RDI)
	if epf == nil {
		return -EBADF
	}
	events, max, timeout := uintptr(f.RSI), int(int32(f.RDX)), int64(int32(f.R10))
	if epf.kind != fileEpoll || max <= 0 {
		return -EINVAL
	}
	if !accessOK(events, uintptr(max)*unsafe.Sizeof(epollEvent{}), true) {
		return -EFAULT // ep_check_params: before any event is taken
	}
	// The signal mask to sleep with (epoll_pwait's fifth argument), as
	// do_epoll_pwait: set around the wait, and restored after it unless
	// a signal interrupted it (kernel.SetUserSigmask).
	if mask := uintptr(f.R8); mask != 0 {
		if f.R9 != sigsetSize {
			return -EINVAL
		}
		set, ok := getUser64(mask)
		if !ok {
			return -EFAULT
		}
		kernel.SetUserSigmask(set)
		r := epollWait(epf, events, max, timeout)
		kernel.RestoreSigmaskUnless(r == -EINTR)
		return r
	}
	return epollWait(epf, events, max, timeout)
}

// epollWait is epoll_wait: up to max ready events of the instance in
// epf to events, waiting up to timeout ms (-1: for ever) for the first.
func epollWait(epf *file, events uintptr, max int, timeout int64) int64 {
	var buf [epollBatch]epollEvent
	out := buf[:min(max, epollBatch)]
	n := 0
	ready := func() bool {
		n = collect(&epf.epoll, out)
		return n > 0
	}
	switch {
	case timeout == 0:
		ready()
	case timeout < 0:
		if pollWait.WaitEventInterruptible(ready) != 0 {
			return -EINTR // epoll_wait is never restarted (Linux's ep_poll)
		}
	default:
		if pollWait.WaitEventInterruptibleTimeout(ready, timeout*1e6) < 0 {
			return -EINTR
		}
	}
	size := unsafe.Sizeof(epollEvent{})
	for i := 0; i < n; i++ {
		*(*epollEvent)(addr.Ptr(events + uintptr(i)*size)) = out[i]
	}
	return int64(n)
}

func sysEventfd2(f *amd64.TrapFrame) int64 {
	fd := allocFile(fileEventfd)
	if fd < 0 {
		return int64(fd)
	}
	fp := &files.f[fd]
	fp.counter = uint64(uint32(f.RDI))
	fp.nonblock = f.RSI&EFD_NONBLOCK != 0
	fp.cloexec = f.RSI&O_CLOEXEC != 0
	return int64(fd)
}

// eventfdMax is the largest count an eventfd holds (ULLONG_MAX - 1).
const eventfdMax = ^uint64(0) - 1

// eventfdRead takes the whole count (eventfd_read), sleeping while it is
// zero unless the file is non-blocking.
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
			fp.wait.WakeUp() // writers waiting for room
			pollNotify(&fp.poll, EPOLLOUT)
			*(*uint64)(unsafe.Pointer(&b[0])) = v
			return 8
		}
		if fp.nonblock {
			return -EAGAIN
		}
		if r := fp.wait.WaitEventInterruptible(func() bool { return fp.counter != 0 }); r != 0 {
			return r // -ERESTARTSYS: restarted after a SA_RESTART handler
		}
	}
}

// eventfdWrite adds to the count (eventfd_write), sleeping while the sum
// would pass eventfdMax unless the file is non-blocking.
func eventfdWrite(fp *file, b []byte) int64 {
	if len(b) < 8 {
		return -EINVAL
	}
	v := *(*uint64)(unsafe.Pointer(&b[0]))
	if v > eventfdMax {
		return -EINVAL
	}
	for {
		fl := files.lock.Lock()
		ok := eventfdMax-fp.counter >= v
		if ok {
			fp.counter += v
		}
		files.lock.Unlock(fl)
		if ok {
			fp.wait.WakeUp()
			pollNotify(&fp.poll, EPOLLIN)
			return 8
		}
		if fp.nonblock {
			return -EAGAIN
		}
		if r := fp.wait.WaitEventInterruptible(func() bool { return eventfdMax-fp.counter >= v }); r != 0 {
			return r
		}
	}
}

// PollWaiters counts the tasks waiting in epoll_pwait (for tests and
// reports).
func PollWaiters() int { return pollWait.Waiters() }

// EventfdWaiters counts the tasks waiting on the eventfd fd; -1 if fd is
// no eventfd (for tests and reports).
func EventfdWaiters(fd int) int {
	fp := fileOf(uint64(fd))
	if fp == nil || fp.kind != fileEventfd {
		return -1
	}
	return fp.wait.Waiters()
}
