package cmdline

import (
	"strconv"
	"strings"
)

// MaxLen is the longest command line the kernel accepts, in bytes, not
// counting the image path that the loader puts first (so it is the
// length of what QEMU's -append gives). The boot code copies the line
// into a buffer of this size before anything else runs. A longer line
// is rejected whole, with the bad-command-line status, and never cut:
// a cut can fall inside a word and change its meaning (maxcpus=16 read
// as maxcpus=1), and the options after it would vanish without a word.
const MaxLen = 4096

// Parse parses a kernel command line that has the image path already
// removed. On error it returns Defaults, with Raw set, so that after
// reporting the error and Usage the kernel can still boot in a known
// state. The error is an *Error.
func Parse(line string) (Options, error) {
	o, err := parse(line)
	if err != nil {
		o = Defaults()
		o.Raw = line
		return o, err
	}
	return o, nil
}

func parse(line string) (Options, error) {
	o := Defaults()
	o.Raw = line
	words, err := split(line)
	if err != nil {
		return o, err
	}

	var tests, args []string
	seen := make(map[string]string) // option name -> the word that set it
	for i, w := range words {
		if w.text == "--" {
			for _, a := range words[i+1:] {
				args = append(args, a.text)
			}
			break
		}
		name, val, _ := strings.Cut(w.text, "=")
		if name == "" {
			return o, &Error{Word: w.raw, Reason: "no option name"}
		}
		if first, ok := seen[name]; ok {
			return o, &Error{Word: w.raw, Reason: "option " + strconv.Quote(name) + " given more than once (first as " + strconv.Quote(first) + ")"}
		}
		seen[name] = w.raw

		if flag, ok := strings.CutPrefix(name, "test."); ok {
			if reason := checkTestName(flag); reason != "" {
				return o, &Error{Word: w.raw, Reason: reason}
			}
			tests = append(tests, "-"+w.text)
			continue
		}

		opt := lookup(name)
		if opt == nil {
			reason := "unknown option " + strconv.Quote(name)
			if s := suggest(name); s != "" {
				reason += "; did you mean " + strconv.Quote(s) + "?"
			}
			return o, &Error{Word: w.raw, Reason: reason}
		}
		if val == "" {
			// Both "preempt" and "preempt=": no option has a
			// meaning for an empty value.
			return o, &Error{Word: w.raw, Reason: name + " needs a value: " + name + "=" + opt.syntax}
		}
		if !opt.set(&o, val) {
			return o, &Error{Word: w.raw, Reason: "bad value " + strconv.Quote(val) + " for " + name + "; want " + opt.want}
		}
	}
	// The forwarded flags go first. Go's flag package stops at the
	// first argument that is not a flag, so a flag placed after the
	// program's own positional words would be ignored.
	o.Argv = append(tests, args...)
	return o, nil
}
