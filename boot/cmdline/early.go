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

// earlyValueReader yields the bytes of one option value with its quotes
// dropped, up to the white space that ends the word.
type earlyValueReader struct {
	rest   []byte
	quoted bool
}

func (v *earlyValueReader) next() (byte, bool) {
	for len(v.rest) > 0 {
		c := v.rest[0]
		if !v.quoted && isSpace(c) {
			return 0, false
		}
		v.rest = v.rest[1:]
		if c == '"' {
			v.quoted = !v.quoted
			continue
		}
		return c, true
	}
	return 0, false
}

// earlyFind finds the first word before "--" whose text, quotes
// dropped, starts with name followed by '=', and returns a reader of
// what follows the '='.
func earlyFind(line []byte, name string) (earlyValueReader, bool) {
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return earlyValueReader{}, false
		}
		// Walk one word, comparing its unquoted text with "name=".
		quoted := false
		pos := 0 // unquoted characters seen so far
		match := true
		dashes := 0
		for ; i < len(line); i++ {
			c := line[i]
			if c == '"' {
				quoted = !quoted
				continue
			}
			if !quoted && isSpace(c) {
				break
			}
			if c == '-' && dashes == pos {
				dashes++
			}
			if pos < len(name) {
				match = match && c == name[pos]
			} else if pos == len(name) && match && c == '=' {
				return earlyValueReader{rest: line[i+1:], quoted: quoted}, true
			}
			pos++
		}
		if pos == 2 && dashes == 2 {
			return earlyValueReader{}, false // "--": the rest is the program's
		}
	}
}
