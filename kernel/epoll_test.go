package kernel_test

// epoll (linux/sys_epoll.go) with 1000 watched eventfds: exactly the
// ready ones are reported, a blocked epoll_pwait wakes for the last fd,
// and EPOLL_CTL_DEL and close give the watches back.

import (
	"syscall"
	"testing"
	"unsafe"

	"gopreempt/linux"
)

type epollEvent struct {
	events uint32
	data   [2]uint32 // packed on x86-64
}

func epollPwait(ep int, evs []epollEvent, msec int) (int, syscall.Errno) {
	r, _, e := syscall.Syscall6(syscall.SYS_EPOLL_PWAIT, uintptr(ep), uintptr(unsafe.Pointer(&evs[0])),
		uintptr(len(evs)), uintptr(msec), 0, 0)
	return int(r), e
}

func epollCtl(ep, op, fd int, events uint32, data uint32) syscall.Errno {
	ev := epollEvent{events: events, data: [2]uint32{data, 0}}
	_, _, e := syscall.Syscall6(syscall.SYS_EPOLL_CTL, uintptr(ep), uintptr(op), uintptr(fd), uintptr(unsafe.Pointer(&ev)), 0, 0)
	return e
}

func TestEpoll1000Fds(t *testing.T) {
	const n = 1000
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(ep)
	fds := make([]int, n)
	for i := range fds {
		fd, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if e != 0 {
			t.Fatalf("eventfd2 number %d: %v", i, e)
		}
		fds[i] = int(fd)
		if e := epollCtl(ep, syscall.EPOLL_CTL_ADD, fds[i], syscall.EPOLLIN, uint32(i)); e != 0 {
			t.Fatalf("EPOLL_CTL_ADD of watch %d: %v", i, e)
		}
	}
	defer func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
	}()
	if e := epollCtl(ep, syscall.EPOLL_CTL_ADD, fds[5], syscall.EPOLLIN, 5); e != syscall.EEXIST {
		t.Fatalf("a second EPOLL_CTL_ADD of one fd: %v, want EEXIST", e)
	}
	evs := make([]epollEvent, n)
	if k, e := epollPwait(ep, evs, 0); k != 0 || e != 0 {
		t.Fatalf("epoll_pwait with nothing ready: %d, %v", k, e)
	}

	one := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	want := map[uint32]bool{}
	for i := 3; i < n-1; i += 10 {
		rawWrite(fds[i], one)
		want[uint32(i)] = true
	}
	seen := map[uint32]bool{}
	for len(seen) < len(want) {
		k, e := epollPwait(ep, evs, 0)
		if e != 0 || k == 0 {
			t.Fatalf("epoll_pwait with %d fds ready, %d seen: %d, %v", len(want), len(seen), k, e)
		}
		for _, ev := range evs[:k] {
			i := ev.data[0]
			if !want[i] || seen[i] || ev.events&syscall.EPOLLIN == 0 {
				t.Fatalf("epoll_pwait reported watch %d (events %#x): not ready, or twice", i, ev.events)
			}
			seen[i] = true
			var b [8]byte
			rawRead(fds[i], b[:]) // consume: it is no longer ready
		}
	}

	// A blocked epoll_pwait wakes for the last fd.
	got := make(chan uint32)
	waiter := sleeperTask(func() {
		var ev [4]epollEvent
		k, e := epollPwait(ep, ev[:], -1)
		if k != 1 || e != 0 {
			got <- ^uint32(0)
			return
		}
		got <- ev[0].data[0]
	})
	waitFor(t, "the poller is asleep", func() bool { return linux.PollWaiters() >= 1 && asleep(waiter) })
	rawWrite(fds[n-1], one)
	if i := <-got; i != n-1 {
		t.Fatalf("the blocked epoll_pwait reported watch %d, want %d", int32(i), n-1)
	}

	for i, fd := range fds {
		if e := epollCtl(ep, syscall.EPOLL_CTL_DEL, fd, 0, 0); e != 0 {
			t.Fatalf("EPOLL_CTL_DEL of watch %d: %v", i, e)
		}
	}
	if e := epollCtl(ep, syscall.EPOLL_CTL_DEL, fds[0], 0, 0); e != syscall.ENOENT {
		t.Fatalf("EPOLL_CTL_DEL of an fd not watched: %v, want ENOENT", e)
	}
	if k, e := epollPwait(ep, evs, 0); k != 0 || e != 0 {
		t.Fatalf("epoll_pwait with no watch left: %d, %v", k, e)
	}
}

// pollOnce returns the events epoll_pwait reports at once, by data.
func pollOnce(t *testing.T, ep int) map[uint32]uint32 {
	t.Helper()
	var evs [8]epollEvent
	k, e := epollPwait(ep, evs[:], 0)
	if e != 0 {
		t.Fatalf("epoll_pwait: %v", e)
	}
	got := map[uint32]uint32{}
	for _, ev := range evs[:k] {
		got[ev.data[0]] = ev.events
	}
	return got
}

// Edge-triggered watches (EPOLLET, as the runtime's netpoll makes them)
// report once per event on the file, level-triggered ones whenever it is
// ready; EPOLLONESHOT reports once until EPOLL_CTL_MOD re-arms it.
func TestEpollEdgeTriggered(t *testing.T) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(p[0])
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(ep)
	const (
		readET = iota + 1
		readLT
		writeET
	)
	const et = 1 << 31 // EPOLLET, which package syscall spells as a negative int
	// The read end twice, edge- and level-triggered, through two
	// descriptors (one epoll instance watches an fd once).
	rdup, err := syscall.Dup(p[0])
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(rdup)
	for _, w := range []struct {
		fd     int
		events uint32
		data   uint32
	}{{p[0], syscall.EPOLLIN | et, readET}, {rdup, syscall.EPOLLIN, readLT}, {p[1], syscall.EPOLLOUT | et, writeET}} {
		if e := epollCtl(ep, syscall.EPOLL_CTL_ADD, w.fd, w.events, w.data); e != 0 {
			t.Fatalf("EPOLL_CTL_ADD: %v", e)
		}
	}
	// Added: the writable write end is reported once, the empty read end not.
	if got := pollOnce(t, ep); len(got) != 1 || got[writeET] != syscall.EPOLLOUT {
		t.Fatalf("after EPOLL_CTL_ADD: %v, want only the write end's EPOLLOUT", got)
	}
	if got := pollOnce(t, ep); len(got) != 0 {
		t.Fatalf("nothing happened, yet reported %v", got)
	}

	rawWrite(p[1], []byte{1})
	got := pollOnce(t, ep)
	if got[readET] != syscall.EPOLLIN || got[readLT] != syscall.EPOLLIN || len(got) != 2 {
		t.Fatalf("after a write: %v, want both read watches' EPOLLIN", got)
	}
	// Nobody read: the level-triggered watch is reported again, the
	// edge-triggered one not.
	for i := 0; i < 3; i++ {
		if got := pollOnce(t, ep); len(got) != 1 || got[readLT] != syscall.EPOLLIN {
			t.Fatalf("data left unread, look %d: %v, want only the level-triggered watch", i, got)
		}
	}
	// A blocking wait sleeps through the unread data's old edge, as
	// netpoll's does, until its timeout.
	if err := epollCtl(ep, syscall.EPOLL_CTL_DEL, rdup, 0, 0); err != 0 {
		t.Fatal(err)
	}
	var evs [4]epollEvent
	if k, e := epollPwait(ep, evs[:], 20); k != 0 || e != 0 {
		t.Fatalf("epoll_pwait on an old edge: %d events (%#x), %v; want a timeout", k, evs[0].events, e)
	}
	// A second write is a new edge.
	rawWrite(p[1], []byte{2})
	if got := pollOnce(t, ep); len(got) != 1 || got[readET] != syscall.EPOLLIN {
		t.Fatalf("after a second write: %v, want the edge-triggered read watch", got)
	}
	// Fill the pipe: the write end is not writable; a read makes room,
	// an edge for the write end's watch.
	for {
		if _, e := rawWrite(p[1], make([]byte, 512)); e == syscall.EAGAIN {
			break
		}
	}
	pollOnce(t, ep) // the writes' edges for the read end
	if got := pollOnce(t, ep); len(got) != 0 {
		t.Fatalf("a full pipe: %v, want nothing", got)
	}
	rawRead(p[0], make([]byte, 4096))
	if got := pollOnce(t, ep); got[writeET] != syscall.EPOLLOUT {
		t.Fatalf("after a read made room: %v, want the write end's EPOLLOUT", got)
	}
	// Closing the write end is a hang-up for the read end.
	syscall.Close(p[1])
	// A closed descriptor's watch is gone with it (Linux's
	// eventpoll_release): it is not reported, and its number can be
	// watched anew (the eventfd below usually gets it).
	if got := pollOnce(t, ep); got[readET]&syscall.EPOLLHUP == 0 || got[writeET] != 0 {
		t.Fatalf("after the writer closed: %v, want EPOLLHUP on the read end and nothing of the closed write end", got)
	}

	// Oneshot: one report, then nothing until EPOLL_CTL_MOD.
	efd, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if e != 0 {
		t.Fatal(e)
	}
	defer syscall.Close(int(efd))
	const oneshot = 9
	if e := epollCtl(ep, syscall.EPOLL_CTL_ADD, int(efd), syscall.EPOLLIN|syscall.EPOLLONESHOT, oneshot); e != 0 {
		t.Fatal(e)
	}
	one := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	rawWrite(int(efd), one)
	if got := pollOnce(t, ep); got[oneshot] != syscall.EPOLLIN {
		t.Fatalf("oneshot after a write: %v", got)
	}
	rawWrite(int(efd), one)
	if got := pollOnce(t, ep); got[oneshot] != 0 {
		t.Fatalf("a oneshot watch reported twice: %v", got)
	}
	if e := epollCtl(ep, syscall.EPOLL_CTL_MOD, int(efd), syscall.EPOLLIN|syscall.EPOLLONESHOT, oneshot); e != 0 {
		t.Fatal(e)
	}
	if got := pollOnce(t, ep); got[oneshot] != syscall.EPOLLIN {
		t.Fatalf("oneshot re-armed by EPOLL_CTL_MOD, still ready: %v", got)
	}
}
