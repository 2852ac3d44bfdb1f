package main

// Running the kernel under gdb.
//
// With -gdb (or $GOPREEMPT_GDB) QEMU opens its gdbstub, a server for the
// GDB remote serial protocol, and -S keeps the CPUs stopped at the reset
// vector until gdb connects and says continue. Everything else is the run
// qemurun always makes: the same image, command line and console. The
// stub listens on a TCP port of the loopback interface or on a Unix socket,
// never on other interfaces: whoever connects owns the machine.
//
// The kernel ELF is linked at 0x400000, QEMU's Multiboot loader puts the
// image there with paging off, and boot's page tables map it one to one,
// so the ELF's symbols and DWARF give the addresses gdb sees at every
// stage of the boot: nothing needs relocating (docs/debugging.md).
//
// What a debugger changes for qemurun:
//
//   - the machine stands still for as long as someone looks at it, so
//     only an explicit -timeout ends the run (timeout.go); go test's
//     -test.timeout and the 15-minute default do not apply;
//   - Ctrl-C at the terminal belongs to gdb, which stops the machine
//     through the stub: qemurun ignores SIGINT instead of passing it on to
//     QEMU (QEMU runs in a process group of its own and does not see it);
//     SIGTERM still ends the run;
//   - gdb's kill makes QEMU exit with status 0, as a triple fault does;
//     the stub's "Terminated via GDBstub" on stderr tells them apart.

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

// gdbDevice turns the -gdb flag or, without it, $GOPREEMPT_GDB into the
// device for QEMU's -gdb option: a TCP port number (1234, as QEMU's -s)
// or the path of a Unix socket (anything with a slash in it). "" means no
// debugger.
func gdbDevice(flagValue, env string) (string, error) {
	v, name := flagValue, "-gdb"
	if v == "" {
		v, name = env, "GOPREEMPT_GDB"
	}
	if v == "" {
		return "", nil
	}
	if strings.Contains(v, "/") {
		// A comma would start a new chardev option.
		if strings.ContainsAny(v, ", \t\n") {
			return "", fmt.Errorf("%s %q: a socket path must not contain commas or spaces", name, v)
		}
		return "unix:" + v + ",server=on,wait=off", nil
	}
	port, err := strconv.Atoi(v)
	if err != nil || port < 1 || port > 65535 {
		return "", fmt.Errorf("%s %q: want a TCP port (1..65535) or the path of a Unix socket", name, v)
	}
	// QEMU adds server=on,wait=off to a tcp: device itself.
	return "tcp:127.0.0.1:" + strconv.Itoa(port), nil
}

// gdbArgs are the QEMU arguments for a debugging session on device: the
// stub, and -S to wait for gdb before the first instruction. None for "".
func gdbArgs(device string) []string {
	if device == "" {
		return nil
	}
	return []string{"-gdb", device, "-S"}
}

// gdbTarget is what gdb's target remote command wants for device.
func gdbTarget(device string) string {
	if path, ok := strings.CutPrefix(device, "unix:"); ok {
		path, _, _ = strings.Cut(path, ",")
		return path
	}
	return "localhost:" + strings.TrimPrefix(device, "tcp:127.0.0.1:")
}

// gdbWaiting is the line qemurun prints when the machine waits for gdb.
func gdbWaiting(device, elfPath string) string {
	return fmt.Sprintf("qemurun: the machine waits for gdb: gdb -ex 'target remote %s' %s", gdbTarget(device), elfPath)
}

// notifySignals asks for the signals that qemurun passes on to QEMU. Under
// a debugger SIGINT is gdb's (see above) and is ignored here: caught, it
// would end the machine, and left at its default it would end qemurun
// and leave QEMU running.
func notifySignals(c chan<- os.Signal, debugging bool) {
	if debugging {
		signal.Ignore(syscall.SIGINT)
		signal.Notify(c, syscall.SIGTERM)
		return
	}
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
}

// killedByDebugger reports whether gdb's kill command ended QEMU: the stub
// makes it exit with status 0 after printing this line.
func killedByDebugger(r result) bool {
	return r.status == 0 && strings.Contains(r.stderr, "Terminated via GDBstub")
}
