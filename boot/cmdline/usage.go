package cmdline

import (
	"slices"
	"strings"
)

// Usage returns a description of the command line, one option per
// paragraph, for the kernel to print when it rejects a line. It is
// built from the option table, so it always lists exactly the options
// and values that Parse accepts.
func Usage() string {
	var b strings.Builder
	b.WriteString("Kernel command line: [OPTION]... [-- ARG...]\n")
	b.WriteString("Each option may be given once. A value may be double-quoted: test.run=\"A B\".\n")
	entry := func(syntax string, help ...string) {
		b.WriteString("  " + syntax + "\n")
		for _, h := range help {
			b.WriteString("        " + h + "\n")
		}
	}
	for _, opt := range options {
		// Concat, not append: append could write into the table.
		entry(opt.name+"="+opt.syntax, slices.Concat(opt.help, []string{"default: " + opt.def})...)
	}
	entry("test.NAME[=VALUE]",
		"NAME of letters, digits, '_' and '.'; passed to the program as -test.NAME[=VALUE],",
		"ahead of the words after --; e.g. test.run=TestNesting test.v")
	entry("-- ARG...",
		"every later word is passed to the program verbatim, never read as an option")
	return b.String()
}
