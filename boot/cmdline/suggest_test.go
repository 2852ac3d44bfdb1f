package cmdline

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"hz", "hz", 0},
		{"", "hz", 2},
		{"h", "hz", 1},
		{"hzz", "hz", 1},
		{"hx", "hz", 1},
		{"zh", "hz", 1}, // a swap is one edit
		{"premept", "preempt", 1},
		{"prempt", "preempt", 1},
		{"preemtp", "preempt", 1},
		{"kitten", "sitting", 3},
		{"abcd", "dcba", 3}, // swap bc, then substitute both ends
		{"abc", "ca", 3},    // no edits inside a swapped pair (plain Damerau gives 2)
		{"panic", "preempt", 6},
		{"loglevel", "ll", 6},
	}
	for _, tt := range tests {
		// The length cut-off returns a lower bound; only check
		// exact values where the result matters (up to maxSuggest)
		// or where the lengths are close enough to compute it.
		got := distance(tt.a, tt.b)
		if tt.want <= maxSuggest || abs(len(tt.a)-len(tt.b)) <= maxSuggest {
			if got != tt.want {
				t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		} else if got <= maxSuggest {
			t.Errorf("distance(%q, %q) = %d, want > %d", tt.a, tt.b, got, maxSuggest)
		}
		if back := distance(tt.b, tt.a); back != got {
			t.Errorf("distance not symmetric: (%q, %q) = %d, reversed %d", tt.a, tt.b, got, back)
		}
	}
}

func abs(n int) int { return max(n, -n) }

func TestSuggest(t *testing.T) {
	tests := []struct{ name, want string }{
		{"premept", "preempt"},
		{"Preempt", "preempt"},
		{"preempts", "preempt"},
		{"loglvl", "loglevel"},
		{"maxcpu", "maxcpus"},
		{"max_cpus", "maxcpus"},
		{"panik", "panic"},
		{"h", "hz"},
		{"HZ", "hz"},
		{"demos", "demo"},
		{"tset.run", "test.run"},
		{"Test.v", "test.v"},
		{"tests.count", "test.count"},
		{"tst", "test.NAME"},
		{"x", ""},  // two edits from hz, but shares nothing with it
		{"ab", ""}, // likewise
		{"frobnicate", ""},
		{"ts.v", "test.v"},
		{"xy.v", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.name); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
