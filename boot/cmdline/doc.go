// Package cmdline parses the kernel command line.
//
// QEMU hands the kernel one string through Multiboot. The boot code
// drops its first word (the kernel image path) and gives the rest to
// Parse early in start-up. That runs in task context with the Go
// runtime up and runs only once, so the parser allocates freely and
// aims to be clear, not fast.
//
// The syntax follows Linux's, cut down:
//
//   - Words are separated by runs of white space. Spaces and tabs are
//     usual, but the other ASCII white space counts too, so a newline
//     that a boot script leaves at the end does no harm.
//   - A double quote starts or ends a quoted stretch, and white space
//     inside that stretch does not split the word. The quotes
//     themselves are removed, so test.run="A B" and "test.run=A B" are
//     the same word, as in Linux. There is no escape character, so a
//     parsed word never contains a double quote.
//   - A word is NAME or NAME=VALUE, split at its first '='.
//   - The first word that reads "--" ends the options. Every later
//     word goes to the Go program as it is (after quote removal) and
//     is never read as an option, so "-- preempt=x" passes "preempt=x"
//     to the program.
//   - test.NAME and test.NAME=VALUE are forwarded to the program as
//     -test.NAME and -test.NAME=VALUE, ahead of the words after "--".
//     This is how a teacher boots a test kernel with
//     "test.run=TestNesting test.v".
//
// Linux hands the words it does not know to init. Parse rejects them
// instead, because on a teaching kernel a mistyped option should fail
// loudly and not be quietly ignored. The error names the word and
// suggests the nearest known option, and the caller prints Usage. An
// option given twice is rejected for the same reason: which of the two
// wins would be a guess.
//
// A single table (table.go) describes every option. Parse, Format and
// Usage all read it, so the three cannot drift apart. The values an
// option chooses among are the kernel's own (kernel.PreemptModel,
// kernel.PanicAction, the tracer's class names), so the parser and what
// it configures cannot drift apart either. cmdline imports the kernel,
// never the other way; its tests run on the host, which the kernel
// package allows (its init functions only register reports).
package cmdline
