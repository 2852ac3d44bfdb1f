package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
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

// boot runs QEMU on an already-built image and waits for it. It is the
// part of qemurun that the end-to-end tests drive directly.
func boot(cfg qemuConfig, opt runOptions) result {
	res := result{timeout: opt.Timeout, monitor: cfg.Monitor}
	cmd := exec.Command(cfg.Binary, qemuArgs(cfg)...)
	if opt.Stdin != nil {
		cmd.Stdin = opt.Stdin
	}
	cmd.Stdout = opt.Console
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
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
	var timeoutC, graceC <-chan time.Time
	if opt.Timeout > 0 {
		t := time.NewTimer(opt.Timeout)
		defer t.Stop()
		timeoutC = t.C
	}
	for {
		select {
		case <-done:
			res.stderr = stderr.String()
			if cmd.ProcessState == nil {
				res.startErr = io.ErrUnexpectedEOF // Wait failed before the process ended
				return res
			}
			res.status = cmd.ProcessState.ExitCode()
			return res
		case <-timeoutC:
			res.timedOut = true
			timeoutC = nil
			if opt.OwnGroup {
				signal(syscall.SIGKILL)
			} else {
				// QEMU shares our group (and maybe the terminal, which it
				// has put in raw mode): ask it to exit cleanly first.
				signal(syscall.SIGTERM)
				graceC = time.After(termGrace)
			}
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
