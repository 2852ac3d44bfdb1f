package system

import (
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Console input: a line typed on the serial console reaches the program's
// fd 0 through the UART receive interrupt, the I/O APIC and a wait queue.
func TestConsoleInput(t *testing.T) {
	needQEMU(t)
	t.Parallel()
	elf := buildKernel(t, "echo")
	bootSlots <- struct{}{}
	defer func() { <-bootSlots }()
	cmd := exec.Command(qemurun, "-i", "-timeout", "60s", elf)
	cmd.Env = bootEnv(bootConfig{})
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &watchedOutput{ready: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Type only once the program waits for input (it says "echo: ready"
	// in main, after the boot enabled the UART interrupt): bytes sent
	// before that would sit in QEMU unannounced. A fixed delay instead
	// would be too short whenever a busy host slows the boot.
	go func() {
		select {
		case <-out.ready:
			io.WriteString(in, "hello kernel\n")
		case <-time.After(60 * time.Second):
		}
		in.Close()
	}()
	err = cmd.Wait()
	if !strings.Contains(out.String(), `echo: got "hello kernel\n"`) {
		t.Fatalf("the line did not reach the program (err %v); output:\n%s", err, out.String())
	}
}

// watchedOutput collects qemurun's output and closes ready once the echo
// program has said it waits for input.
type watchedOutput struct {
	mu    sync.Mutex
	b     strings.Builder
	ready chan struct{}
	seen  bool
}

func (w *watchedOutput) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if !w.seen && strings.Contains(w.b.String(), "echo: ready") {
		w.seen = true
		close(w.ready)
	}
	return len(p), nil
}

func (w *watchedOutput) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
