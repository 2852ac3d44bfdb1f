package main

import (
	"bytes"
	"strings"
	"sync"
)

// kvmErrorMarks are what QEMU prints when KVM cannot run the guest:
// kvm_handle_internal_error's "KVM internal error. Suberror: N" (after it
// QEMU pauses the machine rather than exiting), a failed VM entry, and
// kvm_buf_set_msrs' complaint and assertion on an MSR the host's KVM
// refuses.
var kvmErrorMarks = []string{
	"KVM internal error",
	"KVM: entry failed",
	"failed to set MSR",
	"kvm_buf_set_msrs: Assertion",
}

// qemuStderr collects QEMU's stderr and reads it line by line as it
// arrives, so that a KVM error is noticed while QEMU sits paused after it
// instead of when the timeout ends the run.
type qemuStderr struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	scanned  int           // bytes of buf looked at, up to the last newline
	kvmError string        // the first line that reported a KVM error
	kvmC     chan struct{} // closed when kvmError is set
}

func newQEMUStderr() *qemuStderr {
	return &qemuStderr{kvmC: make(chan struct{})}
}

// Write implements io.Writer for exec.Cmd's stderr copier.
func (s *qemuStderr) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	for s.kvmError == "" {
		rest := s.buf.Bytes()[s.scanned:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		s.scanned += i + 1
		line := strings.TrimSpace(string(rest[:i]))
		for _, m := range kvmErrorMarks {
			if strings.Contains(line, m) {
				s.kvmError = line
				close(s.kvmC)
				break
			}
		}
	}
	return len(p), nil
}

// String is everything QEMU wrote so far.
func (s *qemuStderr) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// KVMError is the line that reported a KVM error, or "".
func (s *qemuStderr) KVMError() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kvmError
}

// lastLine is the last line of QEMU's stderr that says anything.
func lastLine(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
