package cmdline

import "strconv"

// Sizes, as Linux's memparse reads them for tmpfs's size=: a decimal
// number of bytes, or of KiB, MiB or GiB with a k, m or g suffix (either
// case). Zero means no limit, which Options keeps as TmpfsNoLimit so that
// its zero value can mean "not given".

// TmpfsNoLimit is Options.TmpfsSize for tmpfs.size=0.
const TmpfsNoLimit = -1

// sizeLimit is far above any memory this kernel manages (16 GiB), and
// low enough that no suffix can overflow it.
const sizeLimit = 1 << 50

var sizeShift = map[byte]uint{'k': 10, 'K': 10, 'm': 20, 'M': 20, 'g': 30, 'G': 30}

// parseSize reads a size; ok is false for anything else, or a size at or
// above sizeLimit.
func parseSize(s string) (n int64, ok bool) {
	shift := uint(0)
	if len(s) > 0 {
		if sh, found := sizeShift[s[len(s)-1]]; found {
			shift, s = sh, s[:len(s)-1]
		}
	}
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
		if n >= sizeLimit {
			return 0, false
		}
	}
	if n<<shift >= sizeLimit {
		return 0, false
	}
	return n << shift, true
}

// formatSize spells a size with the largest suffix that divides it.
func formatSize(n int64) string {
	for _, u := range []struct {
		shift  uint
		suffix string
	}{{30, "g"}, {20, "m"}, {10, "k"}} {
		if n != 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// byteSize accepts a size and passes set the bytes (TmpfsNoLimit for 0).
func byteSize(set func(o *Options, n int64)) value {
	return value{
		syntax: "N[k|m|g]",
		want:   "a size in bytes, or with a k, m or g suffix, below 1 PiB",
		set: func(o *Options, v string) bool {
			n, ok := parseSize(v)
			if !ok {
				return false
			}
			if n == 0 {
				n = TmpfsNoLimit
			}
			set(o, n)
			return true
		},
	}
}

// tmpfsSizeString is what Format prints for tmpfs.size=.
func tmpfsSizeString(o *Options) (string, bool) {
	if o.TmpfsSize == TmpfsNoLimit {
		return "0", true
	}
	return formatSize(o.TmpfsSize), o.TmpfsSize != 0
}
