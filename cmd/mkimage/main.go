// Command mkimage converts the kernel's linked ELF into a flat Multiboot
// image that qemu-system-x86_64 -kernel can boot (see internal/mbimage for
// why QEMU needs one).
//
// Usage:
//
//	mkimage -o kernel.img kernel.elf
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"gopreempt/internal/mbimage"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mkimage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the image to `file` (required)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mkimage -o kernel.img kernel.elf")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	img, info, err := mbimage.Convert(fs.Arg(0))
	if err == nil {
		err = os.WriteFile(*out, img, 0o644)
	}
	if err != nil {
		fmt.Fprintln(stderr, "mkimage:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d bytes\n%s\n", *out, len(img), info)
	return 0
}
