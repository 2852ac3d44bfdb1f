package system

import (
	"debug/elf"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Bad input gets a clear answer: each way of giving the kernel something
// it cannot use (too long a command line, too little RAM) or a program
// that breaks a rule the kernel can see (a spinlock taken twice, main
// returning with preemption off) ends with a message that says what was
// wrong and a status of its own, never with a cut, a hang or a timeout.
// And the console never glues two messages into one line.

const (
	statusHalted          = 116 // internal/exitstatus.Halted
	statusTooLittleMemory = 117 // internal/exitstatus.TooLittleMemory

	maxCmdline = 4096 // boot/cmdline.MaxLen
)

// argsCmdline returns a command line of exactly n bytes that passes
// program arguments only, the last of which is "last".
func argsCmdline(n int) string {
	s := "--"
	for len(s)+len(" x")+len(" last") <= n {
		s += " x"
	}
	s += " last"
	return s + strings.Repeat("t", n-len(s)) // lengthen the last word
}

// A command line of the longest accepted length arrives whole; one byte
// more is rejected with both lengths, before the program runs.
func TestCommandLineTooLong(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	t.Run("at the limit", func(t *testing.T) {
		t.Parallel()
		line := argsCmdline(maxCmdline)
		last := line[strings.LastIndexByte(line, ' ')+1:]
		r := boot(t, buildKernel(t, "hello"), bootConfig{cmdline: line})
		r.wantStatus(t, 0)
		r.wantOutput(t, helloLine, fmt.Sprintf("%q]", last))
	})
	t.Run("over the limit", func(t *testing.T) {
		t.Parallel()
		r := boot(t, buildKernel(t, "hello"), bootConfig{cmdline: argsCmdline(maxCmdline + 1)})
		r.wantStatus(t, statusBadCmdline)
		r.wantOutput(t, fmt.Sprintf("bad kernel command line: it is %d bytes long, and the kernel accepts at most %d bytes; it is rejected, not cut",
			maxCmdline+1, maxCmdline))
		if strings.Contains(r.output, helloLine) {
			t.Errorf("the program ran on a command line that was too long")
		}
	})
}

// A kernel message longer than printk's buffer is printed in pieces: each
// piece but the last ends with the continuation marker and its own
// newline, joined they are the message, and the next message starts on a
// line of its own.
func TestPrintkLongLine(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	r := boot(t, buildKernel(t, "printklong"), bootConfig{})
	r.wantStatus(t, 0)
	want := "printklong: " + strings.Repeat("0123456789", 45) + " END"
	lines := strings.Split(r.output, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "printklong: 0123") {
			continue
		}
		var joined string
		pieces := 0
		for ; i < len(lines); i++ {
			pieces++
			piece, more := strings.CutSuffix(lines[i], `\`)
			joined += piece
			if !more {
				break
			}
		}
		if joined != want {
			t.Errorf("the long message came back as\n%q\nwant\n%q", joined, want)
		}
		if pieces < 2 {
			t.Errorf("a %d-byte message was printed as %d line; want it in pieces", len(want), pieces)
		}
		if i+1 >= len(lines) || lines[i+1] != "printklong: the next line" {
			t.Errorf("the message after the long one is not on a line of its own; output:\n%s", r.output)
		}
		return
	}
	t.Errorf("no long message on the console; output:\n%s", r.output)
}

// panic=halt stops the machine after the report and says so to the host:
// an oops and a BUG both end as "halted", at once, not as a timeout.
func TestPanicHalt(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	for _, tc := range []struct {
		program string
		report  string
	}{
		{"oops", "Oops: page fault (#PF)"},
		{"spinrecursion", "BUG: spinlock recursion"},
	} {
		t.Run(tc.program, func(t *testing.T) {
			t.Parallel()
			r := boot(t, buildKernel(t, tc.program), bootConfig{cmdline: "panic=halt", timeout: "40s"})
			r.wantStatus(t, statusHalted)
			r.wantOutput(t, tc.report, "System halted (panic=halt).", "qemurun: kernel halted")
		})
	}
}

// Too little RAM for the image stops the boot with what is there and what
// is needed. Below the top of the boot stack not even Go code can run,
// and the boot's first instructions say so in a fixed line.
func TestTooLittleMemory(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	t.Run("8M", func(t *testing.T) {
		t.Parallel()
		r := boot(t, buildKernel(t, "hello"), bootConfig{mem: "8M"})
		r.wantStatus(t, statusTooLittleMemory)
		m := regexp.MustCompile(`boot: 8 MiB of RAM, the kernel needs at least (\d+) MiB`).FindStringSubmatch(r.output)
		if m == nil {
			t.Fatalf("no message naming the RAM there is and the RAM needed; output:\n%s", r.output)
		}
		if need, _ := strconv.Atoi(m[1]); need <= 8 {
			t.Errorf("the kernel says it needs %d MiB, but does not boot in 8", need)
		}
		r.wantOutput(t, "qemurun: too little RAM")
	})
	t.Run("below-boot-stack", func(t *testing.T) {
		t.Parallel()
		elf := buildKernel(t, "hello")
		mem := ramBelowBootStack(t, elf)
		r := boot(t, elf, bootConfig{mem: fmt.Sprintf("%dM", mem)})
		r.wantStatus(t, statusTooLittleMemory)
		r.wantOutput(t, "boot: too little RAM for even the boot stack")
	})
}

// ramBelowBootStack is a RAM size, in MiB, that holds the whole loaded
// image (code, read-only data and the data the loader copies), so that
// the entry code can run, but ends below the top of the boot stack in the
// BSS: what the entry code's own check is for. It is read from the image
// rather than fixed, since the image grows: a fixed 5 MiB once ended
// inside the text, past the entry code, where QEMU cannot even fetch an
// instruction (it aborts in its translator).
func ramBelowBootStack(t *testing.T, path string) uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var loaded uint64
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			loaded = max(loaded, p.Paddr+p.Filesz)
		}
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var stackTop uint64
	for _, s := range syms {
		if s.Name == "gopreempt/boot.bootStack" {
			stackTop = s.Value + s.Size
		}
	}
	mem := (loaded + 1<<20 - 1) >> 20
	if stackTop == 0 || mem<<20 >= stackTop {
		t.Fatalf("no whole MiB of RAM holds the loaded image (ends at %#x) and ends below the boot stack's top (%#x)", loaded, stackTop)
	}
	return mem
}

// A spinlock taken by the task that holds it is reported at once, with
// the lock, its owner, the CPU and a backtrace; under panic=exit the run
// ends with the BUG status. The timeout is far below the stall
// detector's minute, so only the recursion check can end the run in
// time.
func TestSpinlockRecursion(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	r := boot(t, buildKernel(t, "spinrecursion"), bootConfig{cmdline: "panic=exit", timeout: "40s"})
	r.wantStatus(t, statusBug)
	r.wantOutput(t,
		"spinrecursion: holding the lock, taking it again",
		"BUG: spinlock recursion: twice",
		"  lock twice is already held by this task (init pid ",
		" on CPU#0): spin_lock() would wait for itself forever",
		"Backtrace:",
		"gopreempt/kernel.(*SpinLock).Lock",
	)
	if strings.Contains(r.output, "took a held lock") {
		t.Errorf("the second spin_lock() returned")
	}
}

// main returning with preemption disabled is reported like a kthread that
// does so: by default the program's status stands, under panic=exit the
// run fails with the BUG status.
func TestMainExitPreemptDisabled(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	for _, tc := range []struct {
		name, cmdline string
		status        int
	}{
		{"default", "", 0},
		{"panic=exit", "panic=exit", statusBug},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := boot(t, buildKernel(t, "preemptleak"), bootConfig{cmdline: tc.cmdline})
			r.wantStatus(t, tc.status)
			r.wantOutput(t,
				"preemptleak: returning with preemption disabled",
				"BUG: program exited with preemption disabled",
				"  exit_group(0) with preempt_count=0x1:",
				"Backtrace:",
			)
		})
	}
}
