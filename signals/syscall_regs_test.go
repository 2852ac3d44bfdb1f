package signals_test

import (
	"os"
	"runtime"
	"syscall"
	"testing"
	"unsafe"

	"gopreempt/kernel"
	"gopreempt/signals"
)

// The system-call register contract (docs/syscall.md): a SYSCALL returns
// with every register as it was except RAX (the result), RCX and R11
// (the return RIP and RFLAGS, as SYSRET leaves them on Linux). For the
// x87/SSE state that means XMM0-15, MXCSR, the x87 registers and control
// word all survive, although the lean entry path saves only XMM0-15 and
// MXCSR: the kernel's Go code never touches the x87 unit.
//
// The calls are chosen so that the kernel's own code certainly uses the
// XMM registers on the way: a 200-byte write and read of a tmpfs file
// copies through the runtime's memmove, whose 129-256 byte case moves
// the data through X0-X15 (runtime/memmove_amd64.s, move_129through256).
// A kernel that kept the registers only by not touching them fails here.
func TestFPStateSurvivesSyscalls(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f, err := os.CreateTemp("", "xmm")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	fd := f.Fd()
	var data [200]byte
	for i := range data {
		data[i] = byte(i)
	}
	buf := uintptr(unsafe.Pointer(&data[0]))
	st := pattern()
	var out, saved signals.FXArea
	calls := []struct {
		name       string
		nr, a0, a1 uintptr
		a2         uintptr
		want       uintptr
	}{
		{"getpid", syscall.SYS_GETPID, 0, 0, 0, 1},
		{"write 200 bytes", syscall.SYS_WRITE, fd, buf, 200, 200},
		{"lseek", syscall.SYS_LSEEK, fd, 0, 0, 0},
		{"read 200 bytes", syscall.SYS_READ, fd, buf, 200, 200},
		{"lseek", syscall.SYS_LSEEK, fd, 0, 0, 0},
	}
	for i := 0; i < 2000; i++ {
		for _, c := range calls {
			r := signals.FPSyscall(&st.Bytes()[0], &out.Bytes()[0], &saved.Bytes()[0], c.nr, c.a0, c.a1, c.a2)
			if r != c.want {
				t.Fatalf("%s returned %#x, want %#x", c.name, r, c.want)
			}
			if d := diff(st.Bytes(), out.Bytes()); d != "" {
				t.Fatalf("after %s (round %d): %s", c.name, i, d)
			}
		}
	}
	for i := range data {
		if data[i] != byte(i) {
			t.Fatalf("read back byte %d = %d", i, data[i])
		}
	}
}

// A system call that sleeps switches the task out and back in: the
// registers still come back, from the frame the entry saved them in,
// whatever the CPU ran meanwhile. The kernel counts the voluntary
// switches; the calls go on until it has counted 200 (a sleep whose
// timer expired before schedule() ran does not switch).
func TestFPStateSurvivesBlockingSyscalls(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const n = 200
	ts := syscall.Timespec{Nsec: 50000}
	st := pattern()
	var out, saved signals.FXArea
	task := kernel.Current()
	before := task.Stats.Voluntary
	calls := 0
	for task.Stats.Voluntary-before < n {
		if calls == 10*n {
			t.Fatalf("%d voluntary switches in %d nanosleeps", task.Stats.Voluntary-before, calls)
		}
		r := signals.FPSyscall(&st.Bytes()[0], &out.Bytes()[0], &saved.Bytes()[0],
			syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), 0, 0)
		calls++
		// A signal (the runtime's SIGURG) may end a sleep: its frame
		// and rt_sigreturn come between, and the state must survive
		// them too.
		if r != 0 && r != uintptr(negEINTR) {
			t.Fatalf("nanosleep returned %#x", r)
		}
		if d := diff(st.Bytes(), out.Bytes()); d != "" {
			t.Fatalf("after sleep %d: %s", calls, d)
		}
	}
}

// TestRFLAGSSurvivesSyscalls: RFLAGS comes back from a system call as it
// went in, every status flag included, and R11 holds it, as SYSRET leaves
// them on Linux. syscallReturn's fast path puts RFLAGS back without POPFQ
// (OF by an addition, the other five with SAHF, IF with STI): each of the
// 64 combinations of the six status flags goes through it, with getpid.
func TestRFLAGSSurvivesSyscalls(t *testing.T) {
	const status = 0x8D5 // CF, PF, AF, ZF, SF, OF
	for i := 0; i < 64; i++ {
		var want uintptr
		for bit, f := range []uintptr{0x1, 0x4, 0x10, 0x40, 0x80, 0x800} {
			if i&(1<<bit) != 0 {
				want |= f
			}
		}
		after, r11 := signals.FlagsSyscall(want, syscall.SYS_GETPID)
		if after&status != want || r11&status != want {
			t.Errorf("status flags %#x: after the call RFLAGS = %#x, R11 = %#x", want, after, r11)
		}
		if after != r11 {
			t.Errorf("status flags %#x: RFLAGS %#x after the call, but R11 (RFLAGS before) %#x", want, after, r11)
		}
		if after&0x200 == 0 {
			t.Errorf("status flags %#x: IF clear after the call (RFLAGS %#x)", want, after)
		}
	}
}

var negEINTR = -int64(syscall.EINTR)

// BenchmarkRawGetpid is the cheapest system call, without the runtime's
// entersyscall/exitsyscall: the entry and exit paths alone. The same
// loop runs on the Linux guest for docs/syscall.md.
func BenchmarkRawGetpid(b *testing.B) {
	for i := 0; i < b.N; i++ {
		syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
	}
}
