// Command qemurun boots a gopreempt kernel ELF under QEMU and exits with
// the status the guest reports. It serves both `make run` and the
// kernel-mode test harness:
//
//	qemurun [-i] [-timeout D] [-gdb PORT|SOCKET] KERNEL.elf [program args...]
//	go test -exec "$(pwd)/bin/qemurun" ./kernel/...
//
// It converts the ELF to a Multiboot image (internal/mbimage), passes
// $GOPREEMPT_CMDLINE plus " -- args" as the kernel command line, streams
// the serial console to stdout with backtrace PCs resolved against the
// ELF's Go line table, and maps QEMU's exit status back to the guest's
// (internal/exitstatus). Its own statuses: 2 usage, 124 timeout, 125 the
// kernel stopped without reporting, 126 QEMU (or image conversion) failed
// or KVM could not run the kernel.
//
// Environment: GOPREEMPT_CMDLINE, GOPREEMPT_MEM (1G), GOPREEMPT_SMP (1),
// GOPREEMPT_CPU (host under KVM, max under TCG), GOPREEMPT_ACCEL (kvm or
// tcg; by default kvm when /dev/kvm opens read-write and the CPU has vmx
// or svm, else tcg, and tcg again if KVM cannot run the kernel: accel.go),
// GOPREEMPT_TIMEOUT, GOPREEMPT_GDB (as -gdb: wait for gdb, gdb.go),
// GOPREEMPT_TRACE (a file for the second serial port, where the kernel
// writes its event trace: docs/tracing.md), GOPREEMPT_ICOUNT (QEMU's
// -icount shift: 0 counts guest instructions as nanoseconds, for
// benchmarks that must not depend on the host's load; TCG only).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"gopreempt/internal/mbimage"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(argv []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("qemurun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	interactive := fs.Bool("i", false, "interactive: pass stdin to the guest and, on a terminal, put the QEMU monitor on the console (Ctrl-A X quits)")
	gdbFlag := fs.String("gdb", "", "wait for gdb on QEMU's gdbstub at `port` (a TCP port on localhost, or a Unix socket path); see gdb.go")
	timeoutFlag := fs.Duration("timeout", 0, "kill QEMU after `duration` (0: never); default from -test.timeout, $GOPREEMPT_TIMEOUT, or 15m unless -i")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: qemurun [-i] [-timeout D] [-gdb PORT|SOCKET] KERNEL.elf [program args...]")
		fs.PrintDefaults()
	}
	// Parsing stops at the ELF path, so the program's own flags (go
	// test's -test.v and friends) are left alone.
	if err := fs.Parse(argv); err != nil {
		return exitUsage
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return exitUsage
	}
	elfPath, progArgs := fs.Arg(0), fs.Args()[1:]
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "qemurun:", err)
		return code
	}

	gdb, err := gdbDevice(*gdbFlag, os.Getenv("GOPREEMPT_GDB"))
	if err != nil {
		return fail(exitUsage, err)
	}
	timeoutSet := false
	fs.Visit(func(f *flag.Flag) { timeoutSet = timeoutSet || f.Name == "timeout" })
	timeout, err := deriveTimeout(timeoutSources{
		flagSet:     timeoutSet,
		flag:        *timeoutFlag,
		progArgs:    progArgs,
		env:         os.Getenv("GOPREEMPT_TIMEOUT"),
		interactive: *interactive,
		debugger:    gdb != "",
	})
	if err != nil {
		return fail(exitUsage, err)
	}
	cmdline, err := kernelCmdline(os.Getenv("GOPREEMPT_CMDLINE"), progArgs)
	if err != nil {
		return fail(exitUsage, err)
	}
	cfg, accelNote, err := configFromEnv(os.Getenv, probeKVMHost())
	if err != nil {
		return fail(exitUsage, err)
	}
	if accelNote != "" {
		fmt.Fprintln(stderr, accelNote)
	}

	img, _, err := mbimage.Convert(elfPath)
	if err != nil {
		return fail(exitQEMUFailed, err)
	}
	imgPath, err := writeTempImage(img)
	if err != nil {
		return fail(exitQEMUFailed, err)
	}
	defer os.Remove(imgPath)

	resolve, err := goSymbols(elfPath)
	if err != nil {
		fmt.Fprintf(stderr, "qemurun: backtraces will not be annotated: %v\n", err)
	}

	onTerminal := *interactive && isTerminal(os.Stdin)
	cfg.Image, cfg.Cmdline, cfg.Monitor = imgPath, cmdline, onTerminal
	if cfg.GDB = gdb; gdb != "" {
		fmt.Fprintln(stderr, gdbWaiting(gdb, elfPath))
	}
	console := newConsoleWriter(stdout, func(line string) string { return pcAnnotation(line, resolve) })
	opt := runOptions{
		Timeout:  timeout,
		Console:  console,
		OwnGroup: !onTerminal,
	}
	if *interactive {
		opt.Stdin = os.Stdin
	}
	sigs := make(chan os.Signal, 1)
	notifySignals(sigs, gdb != "")
	defer signal.Stop(sigs)
	opt.Signals = sigs

	res := runQEMU(cfg, opt, stderr)
	console.Close()
	return report(res, stdout, stderr)
}

// report prints the verdict on a run and returns qemurun's exit status.
// Verdicts about the kernel go to stdout, after its console output, where
// go test and make users look; QEMU's own complaints go to stderr, and the
// verdict on them comes last, after what QEMU said.
func report(res result, stdout, stderr io.Writer) int {
	code, msg, aboutQEMU := outcome(res)
	if aboutQEMU {
		if strings.TrimSpace(res.stderr) != "" {
			fmt.Fprint(stderr, strings.TrimRight(res.stderr, "\n")+"\n")
		}
		fmt.Fprintln(stderr, msg)
		return code
	}
	// Warnings from a run that otherwise worked are still worth seeing.
	io.WriteString(stderr, res.stderr)
	if msg != "" {
		fmt.Fprintln(stdout, msg)
	}
	return code
}

// writeTempImage stores the image where QEMU can read it. QEMU's Multiboot
// loader passes "IMAGE-PATH CMDLINE" to the kernel, which splits on
// spaces, so a path with whitespace in it would shift every argument.
func writeTempImage(img []byte) (string, error) {
	f, err := os.CreateTemp("", "gopreempt-*.img")
	if err != nil {
		return "", err
	}
	path := f.Name()
	if strings.ContainsAny(path, " \t\n") {
		f.Close()
		os.Remove(path)
		return "", fmt.Errorf("temporary image path %q contains whitespace; set TMPDIR to a directory without spaces", path)
	}
	if _, err := f.Write(img); err != nil {
		f.Close()
		os.Remove(path)
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return "", err
	}
	return path, nil
}
