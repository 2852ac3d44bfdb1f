package main

import (
	"io"
	"os"
	"os/exec"
	"sync/atomic"
	"syscall"
	"time"
)

// runOptions controls one QEMU run, apart from the QEMU command line.
type runOptions struct {
	Timeout time.Duration    // 0: no limit
	Stdin   *os.File         // guest serial input; nil means /dev/null
	Console io.Writer        // receives the serial output
	Signals <-chan os.Signal // forwarded to QEMU; may be nil
	// OwnGroup starts QEMU in a process group of its own, so a timeout
	// can kill everything it started. It must be false when QEMU reads
	// the terminal: a background process group that touches the
	// terminal is stopped by SIGTTIN/SIGTTOU.
	OwnGroup bool
}

// termGrace is how long QEMU gets to restore the terminal after SIGTERM
// before it is killed outright.
const termGrace = 5 * time.Second

// kvmErrorSettle is how long QEMU may go on after reporting a KVM error
// before it is stopped: long enough for the rest of its report (the
// registers, the code bytes) to arrive, short enough that the run ends
// within about a second.
const kvmErrorSettle = 200 * time.Millisecond

// seenWriter passes writes through and notes that there was one.
type seenWriter struct {
	w    io.Writer
	seen *atomic.Bool
}

func (s seenWriter) Write(p []byte) (int, error) {
	if len(p) > 0 {
		s.seen.Store(true)
	}
	return s.w.Write(p)
}

// boot runs QEMU on an already-built image and waits for it. It is the
// part of qemurun that the end-to-end tests drive directly.
func boot(cfg qemuConfig, opt runOptions) result {
	res := result{timeout: opt.Timeout, monitor: cfg.Monitor}
	cmd := exec.Command(cfg.Binary, qemuArgs(cfg)...)
	if opt.Stdin != nil {
		cmd.Stdin = opt.Stdin
	}
	var printed atomic.Bool
	console := opt.Console
	if console == nil {
		console = io.Discard
	}
	cmd.Stdout = seenWriter{console, &printed}
	stderr := newQEMUStderr()
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: opt.OwnGroup}
	// If something QEMU started kept its stdout open, stop waiting for
	// it eventually rather than hang after QEMU itself is gone.
	cmd.WaitDelay = 5 * time.Second

	if err := cmd.Start(); err != nil {
		res.startErr = err
		return res
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()

	signal := func(sig syscall.Signal) {
		if opt.OwnGroup {
			syscall.Kill(-cmd.Process.Pid, sig)
		} else {
			cmd.Process.Signal(sig)
		}
	}
	// stop ends QEMU for a timeout or a KVM error.
	var graceC <-chan time.Time
	stop := func() {
		if opt.OwnGroup {
			signal(syscall.SIGKILL)
		} else {
			// QEMU shares our group (and maybe the terminal, which it
			// has put in raw mode): ask it to exit cleanly first.
			signal(syscall.SIGTERM)
			graceC = time.After(termGrace)
		}
	}
	var timeoutC, settleC <-chan time.Time
	kvmC := stderr.kvmC
	if opt.Timeout > 0 {
		t := time.NewTimer(opt.Timeout)
		defer t.Stop()
		timeoutC = t.C
	}
	for {
		select {
		case <-done:
			res.stderr = stderr.String()
			res.kvmError = stderr.KVMError()
			res.printed = printed.Load()
			if cmd.ProcessState == nil {
				res.startErr = io.ErrUnexpectedEOF // Wait failed before the process ended
				return res
			}
			res.status = cmd.ProcessState.ExitCode()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				res.signal = ws.Signal()
			}
			return res
		case <-timeoutC:
			res.timedOut = true
			timeoutC, kvmC, settleC = nil, nil, nil
			stop()
		case <-kvmC:
			// After an internal error QEMU pauses the machine and waits
			// for a monitor that nobody is watching.
			kvmC = nil
			settleC = time.After(kvmErrorSettle)
		case <-settleC:
			settleC, timeoutC = nil, nil
			stop()
		case <-graceC:
			signal(syscall.SIGKILL)
		case s := <-opt.Signals:
			if sig, ok := s.(syscall.Signal); ok {
				res.interrupted = s
				signal(sig)
			}
		}
	}
}
