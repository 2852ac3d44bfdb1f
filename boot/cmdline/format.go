package cmdline

import "strings"

// Format returns the canonical command line for o. Boot prints it once
// the command line is parsed ("gopreempt: preempt=full ...",
// boot/init.go), with the program arguments apart. Every option that has
// a spelling is written out, even at its default, so that line shows the
// whole configuration. The
// settings with no spelling, panic unset and all CPUs, are left out.
// The program arguments all follow "--", forwarded test flags
// included, which keeps their order when the line is parsed again.
//
// For options that Parse returned, Parse(o.Format()) gives o back
// (apart from Raw). An Options built by hand may hold values that Parse
// rejects, or an argument containing a double quote, which the syntax
// cannot express.
func (o Options) Format() string {
	var words []string
	for _, opt := range options {
		if v, ok := opt.get(&o); ok {
			words = append(words, opt.name+"="+quote(v))
		}
	}
	if len(o.Argv) > 0 {
		words = append(words, "--")
		for _, a := range o.Argv {
			words = append(words, quote(a))
		}
	}
	return strings.Join(words, " ")
}

// quote wraps s in double quotes if it would otherwise not read back
// as one word: it is empty, or it holds white space.
func quote(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) }) {
		return `"` + s + `"`
	}
	return s
}
