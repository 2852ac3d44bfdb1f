package main

import (
	"io"
	"sync"
	"time"
)

// partialFlushDelay is how long an unfinished line may sit in the buffer
// before it is shown anyway. Prompts (the QEMU monitor's "(qemu) ", a
// kernel shell) never end in a newline and must not wait for one.
const partialFlushDelay = 50 * time.Millisecond

// consoleWriter turns the raw serial byte stream into console output:
// carriage returns are dropped (the kernel writes "\r\n" for the benefit
// of real terminals; captured logs and go test's output parser want
// "\n"), and each complete line gets its backtrace PCs annotated.
//
// Output is written as it arrives. A partial line is flushed after
// partialFlushDelay of silence; when the rest of it arrives, only the rest
// is written, and the annotation, which depends on the whole line, goes at
// its end as usual.
type consoleWriter struct {
	mu       sync.Mutex
	out      io.Writer
	annotate func(line string) string // suffix to append to a full line
	line     []byte                   // current line, without '\r'
	shown    int                      // bytes of line already written
	timer    *time.Timer
	closed   bool
	err      error // first write error; reported to the copier
}

func newConsoleWriter(out io.Writer, annotate func(string) string) *consoleWriter {
	return &consoleWriter{out: out, annotate: annotate}
}

// Write implements io.Writer for exec.Cmd's stdout copier.
func (w *consoleWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var buf []byte
	for _, c := range p {
		switch c {
		case '\r':
		case '\n':
			buf = w.endLine(buf)
		default:
			w.line = append(w.line, c)
		}
	}
	w.emit(buf)
	if len(w.line) > w.shown && !w.closed {
		if w.timer == nil {
			w.timer = time.AfterFunc(partialFlushDelay, w.flushPartial)
		} else {
			w.timer.Reset(partialFlushDelay)
		}
	}
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// endLine appends the unshown rest of the current line, its annotation and
// a newline to buf, and starts a new line.
func (w *consoleWriter) endLine(buf []byte) []byte {
	buf = append(buf, w.line[w.shown:]...)
	if w.annotate != nil {
		buf = append(buf, w.annotate(string(w.line))...)
	}
	buf = append(buf, '\n')
	w.line, w.shown = w.line[:0], 0
	return buf
}

func (w *consoleWriter) emit(b []byte) {
	if len(b) == 0 || w.err != nil {
		return
	}
	_, w.err = w.out.Write(b)
}

func (w *consoleWriter) flushPartial() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.emit(w.line[w.shown:])
	w.shown = len(w.line)
}

// Close finishes an unterminated last line, so that whatever is printed
// next starts at the beginning of a line, and stops the flush timer.
func (w *consoleWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timer != nil {
		w.timer.Stop()
	}
	if len(w.line) > 0 {
		w.emit(w.endLine(nil))
	}
	w.closed = true
	return w.err
}
