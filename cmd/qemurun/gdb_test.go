package main

import (
	"fmt"
	"io"
	"net"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopreempt/internal/mbimage/mbtest"
)

func TestGDBDevice(t *testing.T) {
	cases := []struct {
		flag, env string
		want      string // "" with wantErr false: no debugger
		wantErr   string
	}{
		{"", "", "", ""},
		{"1234", "", "tcp:127.0.0.1:1234", ""},
		{"", "4321", "tcp:127.0.0.1:4321", ""},
		{"1234", "4321", "tcp:127.0.0.1:1234", ""}, // the flag wins
		{"/tmp/k.sock", "", "unix:/tmp/k.sock,server=on,wait=off", ""},
		{"./k.sock", "", "unix:./k.sock,server=on,wait=off", ""},
		{"0", "", "", "-gdb \"0\": want a TCP port"},
		{"65536", "", "", "want a TCP port"},
		{"localhost:1234", "", "", "want a TCP port"},
		{"", "x", "", "GOPREEMPT_GDB \"x\""},
		{"/tmp/a,server=off", "", "", "must not contain commas"},
	}
	for _, c := range cases {
		got, err := gdbDevice(c.flag, c.env)
		switch {
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("gdbDevice(%q, %q) error %v, want one containing %q", c.flag, c.env, err, c.wantErr)
		case c.wantErr == "" && (err != nil || got != c.want):
			t.Errorf("gdbDevice(%q, %q) = %q, %v; want %q", c.flag, c.env, got, err, c.want)
		}
	}
}

func TestGDBTarget(t *testing.T) {
	for dev, want := range map[string]string{
		"tcp:127.0.0.1:1234":                  "localhost:1234",
		"unix:/tmp/k.sock,server=on,wait=off": "/tmp/k.sock",
	} {
		if got := gdbTarget(dev); got != want {
			t.Errorf("gdbTarget(%q) = %q, want %q", dev, got, want)
		}
	}
}

// Under a debugger QEMU gets the stub and -S; without one, neither.
func TestQEMUArgsGDB(t *testing.T) {
	cfg := qemuConfig{Image: "k.img", Mem: "1G", SMP: "1", CPU: "max", Accel: "tcg"}
	if got := qemuArgs(cfg); slices.Contains(got, "-S") || slices.Contains(got, "-gdb") {
		t.Errorf("no debugger, but %q", got)
	}
	cfg.GDB = "tcp:127.0.0.1:1234"
	got := qemuArgs(cfg)
	if i := slices.Index(got, "-gdb"); i < 0 || i+1 >= len(got) || got[i+1] != cfg.GDB || !slices.Contains(got, "-S") {
		t.Errorf("debugger on %s, but %q", cfg.GDB, got)
	}
}

// A breakpoint is not a hang: under a debugger only -timeout bounds the run.
func TestDeriveTimeoutUnderDebugger(t *testing.T) {
	goTest := []string{"-test.timeout=10m0s"}
	cases := []struct {
		name string
		src  timeoutSources
		want time.Duration
	}{
		{"go test timeout ignored", timeoutSources{debugger: true, progArgs: goTest}, 0},
		{"env ignored", timeoutSources{debugger: true, env: "90s"}, 0},
		{"no default", timeoutSources{debugger: true}, 0},
		{"flag still counts", timeoutSources{debugger: true, flagSet: true, flag: time.Minute, progArgs: goTest}, time.Minute},
	}
	for _, c := range cases {
		if got, err := deriveTimeout(c.src); err != nil || got != c.want {
			t.Errorf("%s: deriveTimeout = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}

func TestOutcomeKilledByDebugger(t *testing.T) {
	r := result{status: 0, stderr: "qemu-system-x86_64: QEMU: Terminated via GDBstub\n"}
	code, msg, aboutQEMU := outcome(r)
	if code != exitNoReport || !strings.Contains(msg, "debugger ended the machine") || aboutQEMU {
		t.Errorf("outcome = %d, %q, %v", code, msg, aboutQEMU)
	}
	// Without the stub's line a status 0 is still a triple fault.
	if _, msg, _ := outcome(result{status: 0}); !strings.Contains(msg, "triple fault") {
		t.Errorf("plain status 0: %q", msg)
	}
}

// rsp sends one GDB remote-protocol packet: $data#checksum, the checksum
// being the sum of the data bytes modulo 256.
func rsp(c net.Conn, data string) error {
	sum := 0
	for i := 0; i < len(data); i++ {
		sum += int(data[i])
	}
	_, err := fmt.Fprintf(c, "$%s#%02x", data, sum&0xff)
	return err
}

// rspReply reads the stub's answer to a packet: acknowledgements ("+")
// are skipped, and the packet's data is returned without $ and checksum.
func rspReply(c net.Conn) (string, error) {
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	var b [1]byte
	var data []byte
	in := false
	for {
		if _, err := c.Read(b[:]); err != nil {
			return "", err
		}
		switch {
		case !in && b[0] == '$':
			in = true
		case in && b[0] == '#':
			var sum [2]byte
			if _, err := io.ReadFull(c, sum[:]); err != nil {
				return "", err
			}
			_, err := c.Write([]byte("+"))
			return string(data), err
		case in:
			data = append(data, b[0])
		}
	}
}

// dialStub waits (boundedly) for QEMU to create the stub's socket.
func dialStub(t *testing.T, path string) net.Conn {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("unix", path)
		if err == nil {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("QEMU's gdbstub at %s did not appear within 30s: %v", path, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runUnderStub runs qemurun -gdb SOCKET on a kernel that prints its
// command line and exits 5, and has a stand-in for gdb send one command.
func runUnderStub(t *testing.T, command string) (code int, stdout, stderr string) {
	needQEMU(t)
	cleanEnv(t)
	t.Cleanup(func() { signal.Reset(syscall.SIGINT) }) // run ignores it under a debugger
	kernel := writeKernel(t, mbtest.EchoCmdline(5))
	sock := filepath.Join(t.TempDir(), "gdb.sock")
	var out, errOut strings.Builder
	done := make(chan int, 1)
	go func() { done <- run([]string{"-gdb", sock, "-timeout=1m", kernel}, &out, &errOut) }()

	c := dialStub(t, sock)
	ended := false
	t.Cleanup(func() {
		// A test that failed before its command leaves QEMU waiting in
		// a process group of its own: end it through the stub.
		if !ended {
			rsp(c, "k")
			select {
			case <-done:
			case <-time.After(30 * time.Second):
			}
		}
		c.Close()
	})
	// -S: the CPU has not executed an instruction yet, so it is still at
	// the reset vector. In the register packet ("g") RIP follows the 16
	// general registers, 8 bytes each, little-endian, in hex.
	if err := rsp(c, "g"); err != nil {
		t.Fatal(err)
	}
	regs, err := rspReply(c)
	if err != nil {
		t.Fatalf("reading the registers from the stub: %v", err)
	}
	if len(regs) < 272 || regs[256:272] != "f0ff000000000000" {
		t.Fatalf("the machine did not wait for gdb at the reset vector (RIP 0xfff0); the stub answered %.300q", regs)
	}
	if err := rsp(c, command); err != nil {
		t.Fatal(err)
	}
	select {
	case code = <-done:
		ended = true
	case <-time.After(90 * time.Second):
		t.Fatal("qemurun did not end within 90s after the debugger's command")
	}
	return code, out.String(), errOut.String()
}

func TestGDBStubContinue(t *testing.T) {
	code, stdout, stderr := runUnderStub(t, "c")
	// The kernel prints the image path QEMU loaded it from, then exits 5.
	if code != 5 || !strings.Contains(stdout, ".img") {
		t.Errorf("after continue: status %d, want 5\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "waits for gdb") || !strings.Contains(stderr, "target remote ") {
		t.Errorf("no line telling where gdb should connect: stderr %q", stderr)
	}
}

func TestGDBStubKill(t *testing.T) {
	code, stdout, stderr := runUnderStub(t, "k")
	if code != exitNoReport || !strings.Contains(stdout, "the debugger ended the machine") {
		t.Errorf("after kill: status %d, want %d\nstdout %q\nstderr %q", code, exitNoReport, stdout, stderr)
	}
	if strings.Contains(stdout, ".img") {
		t.Errorf("the kernel ran although gdb never continued: %q", stdout)
	}
}
