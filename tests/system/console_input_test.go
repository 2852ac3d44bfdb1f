package system

import (
	"io"
	"os/exec"
	"strings"
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
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Type only once the program waits for input: bytes sent before the
	// kernel enabled the UART interrupt would sit in QEMU unannounced.
	go func() {
		time.Sleep(6 * time.Second)
		io.WriteString(in, "hello kernel\n")
		time.Sleep(20 * time.Second)
		in.Close()
	}()
	err = cmd.Wait()
	if !strings.Contains(out.String(), `echo: got "hello kernel\n"`) {
		t.Fatalf("the line did not reach the program (err %v); output:\n%s", err, out.String())
	}
}
