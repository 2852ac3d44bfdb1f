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
