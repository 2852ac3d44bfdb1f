package kernel_test

// Pipes (linux/pipe.go): a writer blocks on a full pipe and resumes when
// it is read, O_NONBLOCK gives EAGAIN, a pipe without readers EPIPE and
// without writers end of file, and pipe2 takes nothing when the fd table
// is full. Blocking is observed in the kernel: the writer's task asleep
// on the pipe's wait queue, not a call that takes long.

import (
	"bytes"
	"syscall"
	"testing"
	"time"

	"gopreempt/linux"
)

const pipeCap = 4096

func pipe2(t *testing.T, flags int) (r, w int) {
	t.Helper()
	var p [2]int
	if err := syscall.Pipe2(p[:], flags); err != nil {
		t.Fatalf("pipe2: %v", err)
	}
	return p[0], p[1]
}

func TestPipeWriterBlocksUntilRead(t *testing.T) {
	r, w := pipe2(t, syscall.O_CLOEXEC)
	defer syscall.Close(r)
	defer syscall.Close(w)
	data := make([]byte, 3*pipeCap)
	for i := range data {
		data[i] = byte(i * 7)
	}
	res := make(chan int)
	// A kthread, so that only the pipe wakes it (waiterKthread).
	writer := waiterKthread(func() {
		n, e := rawWrite(w, data)
		if e != 0 {
			n = -int(e)
		}
		res <- n
	})
	blocked := func() bool {
		_, writers := linux.PipeWaiters(w)
		return writers == 1 && asleep(writer)
	}
	var got []byte
	buf := make([]byte, pipeCap)
	for len(got) < len(data) {
		waitFor(t, "the writer is asleep on the full pipe", blocked)
		select {
		case n := <-res:
			t.Fatalf("the write returned %d with %d bytes still unread", n, len(data)-len(got))
		default:
		}
		// Asleep means asleep: no wake-up while nobody reads.
		before := writer.Stats.Wakeups
		time.Sleep(20 * time.Millisecond)
		if d := writer.Stats.Wakeups - before; d != 0 {
			t.Fatalf("a writer blocked on a full pipe was woken %d times in 20 ms", d)
		}
		n, e := rawRead(r, buf)
		if e != 0 || n != pipeCap {
			t.Fatalf("read of a full pipe: %d, %v; want %d bytes", n, e, pipeCap)
		}
		got = append(got, buf[:n]...)
		if len(got) == 2*pipeCap {
			break // the last piece fits: the writer returns
		}
	}
	if n := <-res; n != len(data) {
		t.Fatalf("the blocking write returned %d, want %d", n, len(data))
	}
	n, e := rawRead(r, buf)
	if e != 0 || n != pipeCap {
		t.Fatalf("the last read: %d, %v", n, e)
	}
	got = append(got, buf[:n]...)
	if !bytes.Equal(got, data) {
		t.Fatal("the bytes read are not the bytes written")
	}
}

func TestPipeNonblockEPIPEAndEOF(t *testing.T) {
	r, w := pipe2(t, syscall.O_NONBLOCK|syscall.O_CLOEXEC)
	buf := make([]byte, pipeCap)
	if _, e := rawRead(r, buf); e != syscall.EAGAIN {
		t.Fatalf("O_NONBLOCK read of an empty pipe: %v, want EAGAIN", e)
	}
	if n, e := rawWrite(w, buf); e != 0 || n != pipeCap {
		t.Fatalf("write filling the pipe: %d, %v", n, e)
	}
	if _, e := rawWrite(w, buf[:1]); e != syscall.EAGAIN {
		t.Fatalf("O_NONBLOCK write to a full pipe: %v, want EAGAIN", e)
	}
	syscall.Close(r)
	if _, e := rawWrite(w, buf[:1]); e != syscall.EPIPE {
		t.Fatalf("write with no reader: %v, want EPIPE", e)
	}
	syscall.Close(w)

	r, w = pipe2(t, syscall.O_CLOEXEC)
	rawWrite(w, []byte("last"))
	syscall.Close(w)
	if n, e := rawRead(r, buf); e != 0 || string(buf[:n]) != "last" {
		t.Fatalf("read after the writer closed: %q, %v", buf[:n], e)
	}
	if n, e := rawRead(r, buf); e != 0 || n != 0 {
		t.Fatalf("read at end of file: %d, %v; want 0", n, e)
	}
	syscall.Close(r)
}

// A reader blocked on an empty pipe wakes when the last writer closes.
func TestPipeReaderWakesOnClose(t *testing.T) {
	r, w := pipe2(t, syscall.O_CLOEXEC)
	defer syscall.Close(r)
	res := make(chan int)
	reader := sleeperTask(func() {
		n, e := rawRead(r, make([]byte, 8))
		if e != 0 {
			n = -int(e)
		}
		res <- n
	})
	waitFor(t, "the reader is asleep on the empty pipe", func() bool {
		readers, _ := linux.PipeWaiters(r)
		return readers == 1 && asleep(reader)
	})
	syscall.Close(w)
	if n := <-res; n != 0 {
		t.Fatalf("a blocked read when the writer closed returned %d, want 0 (end of file)", n)
	}
}

// pipe2 with the fd table full fails with EMFILE and keeps no slot: the
// same number of pipes fits again afterwards.
func TestPipe2EMFILE(t *testing.T) {
	fill := func() (fds []int) {
		for {
			var p [2]int
			err := syscall.Pipe2(p[:], syscall.O_CLOEXEC)
			if err == syscall.EMFILE {
				break
			}
			if err != nil {
				t.Fatalf("pipe2: %v", err)
			}
			fds = append(fds, p[0], p[1])
		}
		// One descriptor may be left, too few for a pipe: it must be free.
		for {
			fd, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC, 0)
			if e == syscall.EMFILE {
				break
			}
			if e != 0 {
				t.Fatalf("eventfd2: %v", e)
			}
			fds = append(fds, int(fd))
		}
		return fds
	}
	first := fill()
	for _, fd := range first {
		syscall.Close(fd)
	}
	second := fill()
	for _, fd := range second {
		syscall.Close(fd)
	}
	if len(first) < 100 || len(first) != len(second) {
		t.Fatalf("the fd table held %d pipe and eventfd descriptors, then %d: pipe2 at EMFILE leaked", len(first), len(second))
	}
}
