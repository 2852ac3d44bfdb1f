package main

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a strings.Builder safe for the flush timer's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// bracketNote annotates lines holding "[<" so tests can see which full
// lines the writer passed to the annotator.
func bracketNote(line string) string {
	if strings.Contains(line, "[<") {
		return " <" + line + ">"
	}
	return ""
}

func TestConsoleStripsCRAndAnnotates(t *testing.T) {
	var out syncBuffer
	w := newConsoleWriter(&out, bracketNote)
	input := "boot ok\r\n  [<0x1>] f\r\n\r\ndone\r\n"
	// Byte-at-a-time arrival must give the same result as one chunk.
	for i := range len(input) {
		w.Write([]byte{input[i]})
	}
	w.Close()
	want := "boot ok\n  [<0x1>] f <  [<0x1>] f>\n\ndone\n"
	if got := out.String(); got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

func TestConsoleFlushesPartialLine(t *testing.T) {
	var out syncBuffer
	w := newConsoleWriter(&out, bracketNote)
	w.Write([]byte("login: "))
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != "login: " {
		if time.Now().After(deadline) {
			t.Fatalf("partial line not shown; output %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The rest of the line: only the new bytes are written, but the
	// annotator still sees the whole line.
	w.Write([]byte("x [<0x2>]\r\n"))
	w.Close()
	want := "login: x [<0x2>] <login: x [<0x2>]>\n"
	if got := out.String(); got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

func TestConsoleCloseEndsLastLine(t *testing.T) {
	var out syncBuffer
	w := newConsoleWriter(&out, nil)
	w.Write([]byte("first\r\nunterminated"))
	w.Close()
	w.Close() // idempotent
	if got, want := out.String(), "first\nunterminated\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}

	var empty syncBuffer
	w = newConsoleWriter(&empty, nil)
	w.Close()
	if empty.String() != "" {
		t.Errorf("closing an idle console wrote %q", empty.String())
	}
}
