package main

import (
	"fmt"
	"strings"
	"unicode"
)

// kernelCmdline builds the string passed to QEMU's -append: the kernel's
// own options, then "--" and the program arguments.
//
// The kernel splits its command line on spaces and hands everything after
// "--" to the Go program as os.Args[1:]. There is no quoting, so an
// argument containing whitespace would silently become several, and an
// empty one would vanish; both are refused instead. (QEMU's Multiboot
// loader prepends the image path and a space to whatever -append gives,
// so the kernel sees "IMAGE OPTIONS -- ARGS".)
func kernelCmdline(kernelOpts string, progArgs []string) (string, error) {
	var words []string
	if opts := strings.TrimSpace(kernelOpts); opts != "" {
		words = append(words, opts)
	}
	if len(progArgs) > 0 {
		words = append(words, "--")
	}
	for i, a := range progArgs {
		if a == "" {
			return "", fmt.Errorf("program argument %d is empty; the kernel command line cannot carry empty arguments", i+1)
		}
		if strings.IndexFunc(a, unicode.IsSpace) >= 0 {
			return "", fmt.Errorf("program argument %d (%q) contains whitespace; the kernel command line splits on spaces and has no quoting", i+1, a)
		}
		words = append(words, a)
	}
	return strings.Join(words, " "), nil
}
