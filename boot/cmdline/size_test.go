package cmdline

import "testing"

func TestTmpfsSize(t *testing.T) {
	tests := []struct {
		line string
		want int64
	}{
		{"", 0},
		{"tmpfs.size=4096", 4096},
		{"tmpfs.size=64k", 64 << 10},
		{"tmpfs.size=64K", 64 << 10},
		{"tmpfs.size=3m", 3 << 20},
		{"tmpfs.size=2G", 2 << 30},
		{"tmpfs.size=1000", 1000},
		{"tmpfs.size=0", TmpfsNoLimit},
		{"tmpfs.size=0k", TmpfsNoLimit},
	}
	for _, tt := range tests {
		o, err := Parse(tt.line)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.line, err)
			continue
		}
		if o.TmpfsSize != tt.want {
			t.Errorf("Parse(%q).TmpfsSize = %d, want %d", tt.line, o.TmpfsSize, tt.want)
		}
		checkRoundTrip(t, o)
	}
	for _, bad := range []string{"tmpfs.size=k", "tmpfs.size=-1", "tmpfs.size=1t", "tmpfs.size=1.5m",
		"tmpfs.size=1048576g", "tmpfs.size=99999999999999999999", "tmpfs.size=64kk"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted it", bad)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{1: "1", 1024: "1k", 1536: "1536", 3 << 20: "3m", 5 << 30: "5g", 1025 << 20: "1025m"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
