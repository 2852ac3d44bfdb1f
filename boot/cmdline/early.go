package cmdline

// Early reading, for the few options that must act before the Go runtime
// starts: maxcpus= decides how many processors the boot code starts, and
// the runtime sizes itself by the CPU count it finds; acpi=off changes
// where the boot code looks for them. Parse cannot run that early (it
// allocates, and its option table is built by package initialization),
// so the boot code asks EarlyInt and EarlyIs instead.
//
// They follow the same word rules as Parse (white space separates,
// double quotes group and are dropped, "--" ends the options) but check
// nothing else: a value they cannot read is ignored, and Parse, which
// runs later in the same boot, rejects the line with the full message.
// They do not allocate and read no package state.

// EarlyInt returns the decimal value of the first name=N option of line,
// if there is one and N is a number (read as Parse reads numbers).
func EarlyInt(line []byte, name string) (int, bool) {
	v, ok := earlyFind(line, name)
	if !ok {
		return 0, false
	}
	n, digits := 0, 0
	for {
		c, more := v.next()
		if !more {
			break
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		n = min(n*10+int(c-'0'), atoiLimit)
		digits++
	}
	return n, digits > 0
}

// EarlyIs reports whether the first name= option of line has the value want.
func EarlyIs(line []byte, name, want string) bool {
	v, ok := earlyFind(line, name)
	if !ok {
		return false
	}
	for i := 0; ; i++ {
		c, more := v.next()
		if !more {
			return i == len(want)
		}
		if i >= len(want) || c != want[i] {
			return false
		}
	}
}

// unquotedReader yields the bytes of a word with its double quotes
// dropped.
type unquotedReader struct {
	rest []byte
}

func (v *unquotedReader) next() (byte, bool) {
	for len(v.rest) > 0 {
		c := v.rest[0]
		v.rest = v.rest[1:]
		if c != '"' {
			return c, true
		}
	}
	return 0, false
}

// earlyFind finds the first word before "--" whose text, quotes
// dropped, starts with name followed by '=', and returns a reader of
// what follows the '='.
func earlyFind(line []byte, name string) (unquotedReader, bool) {
	for i := skipSpace(line, 0); i < len(line); i = skipSpace(line, i) {
		end, _ := wordEnd(line, i)
		w := unquotedReader{line[i:end]}
		i = end
		if isDashDash(w) {
			return unquotedReader{}, false // the rest is the program's
		}
		if hasPrefix(&w, name) {
			if c, ok := w.next(); ok && c == '=' {
				return w, true
			}
		}
	}
	return unquotedReader{}, false
}

// hasPrefix consumes len(p) bytes of w and reports whether they were p.
func hasPrefix(w *unquotedReader, p string) bool {
	for i := 0; i < len(p); i++ {
		if c, ok := w.next(); !ok || c != p[i] {
			return false
		}
	}
	return true
}

// isDashDash reports whether the word is "--" (w is a copy: the
// caller's reader does not move).
func isDashDash(w unquotedReader) bool {
	if !hasPrefix(&w, "--") {
		return false
	}
	_, more := w.next()
	return !more
}
