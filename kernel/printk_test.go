package kernel_test

import (
	"strings"
	"testing"

	"gopreempt/kernel"
)

// printk never cuts a message and never loses its newline: a message
// longer than the buffer comes out in pieces, each a whole line, all but
// the last ending with the continuation marker, and the pieces joined
// are the message. The lengths straddle the points where a piece is
// full (198 bytes of text in a 200-byte buffer).
func TestPrintkLongMessageInPieces(t *testing.T) {
	for _, n := range []int{0, 1, 197, 198, 199, 396, 397, 1000} {
		text := strings.Repeat("abcdefghij", n/10+1)[:n]
		lines := kernel.CapturePrintk(func() {
			kernel.Pr(kernel.KERN_EMERG).S(text).Emit()
		})
		var joined strings.Builder
		for i, l := range lines {
			body, ok := strings.CutSuffix(l, "\n")
			if !ok {
				t.Fatalf("%d bytes: line %d of %d has no newline: %q", n, i+1, len(lines), l)
			}
			if len(l) > 200 {
				t.Errorf("%d bytes: line %d is %d bytes, more than printk's buffer", n, i+1, len(l))
			}
			if i < len(lines)-1 {
				if body, ok = strings.CutSuffix(body, string(kernel.ContinuationMarker)); !ok {
					t.Errorf("%d bytes: line %d of %d does not end with the continuation marker: %q", n, i+1, len(lines), l)
				}
			}
			joined.WriteString(body)
		}
		if joined.String() != text {
			t.Errorf("%d bytes: printed as %d lines that join to %d bytes: %q", n, len(lines), joined.Len(), lines)
		}
		if want := max(1, (n+197)/198); len(lines) != want {
			t.Errorf("%d bytes: %d lines, want %d", n, len(lines), want)
		}
	}
}

// A message whose level does not pass prints nothing, not even the
// pieces that filled the buffer.
func TestPrintkLevelFiltersPieces(t *testing.T) {
	lines := kernel.CapturePrintk(func() {
		kernel.Pr(kernel.ConsoleLogLevel).S(strings.Repeat("x", 1000)).Emit()
	})
	if len(lines) != 0 {
		t.Errorf("a message below the console log level printed %d lines: %q", len(lines), lines)
	}
}
