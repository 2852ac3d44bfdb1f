package main

import "testing"

func TestQEMUStderrWatch(t *testing.T) {
	s := newQEMUStderr()
	seen := func() bool {
		select {
		case <-s.kvmC:
			return true
		default:
			return false
		}
	}
	// A warning, then the report arriving in pieces, as a pipe may
	// deliver it.
	s.Write([]byte("qemu-system-x86_64: warning: host doesn't support requested feature\nKVM inter"))
	if seen() {
		t.Fatal("KVM error seen before its line was complete")
	}
	s.Write([]byte("nal error. Suberror: 1\r\n"))
	if !seen() {
		t.Fatal("KVM internal error not noticed")
	}
	s.Write([]byte("extra data[0]: 0x1\nemulation failure\n"))
	if got := s.KVMError(); got != "KVM internal error. Suberror: 1" {
		t.Errorf("KVMError %q", got)
	}
	if got := lastLine(s.String()); got != "emulation failure" {
		t.Errorf("lastLine %q", got)
	}

	quiet := newQEMUStderr()
	quiet.Write([]byte("qemu-system-x86_64: -cpu bogus: unable to find CPU model 'bogus'\n"))
	if quiet.KVMError() != "" {
		t.Errorf("an ordinary error taken for KVM's: %q", quiet.KVMError())
	}
	if lastLine("") != "" || lastLine("\n\n") != "" {
		t.Error("lastLine of nothing is not empty")
	}
}
