// Command pprofextract takes the profiles a program in the kernel printed
// on its console (internal/pprofconsole) out of a console log and writes
// each one to a file, ready for go tool pprof:
//
//	bin/qemurun bin/prog.elf | tee console.log
//	pprofextract [-d dir] console.log     (or - for standard input)
//	go tool pprof -top cpu.pb.gz
//
// It prints the name and size of each file it wrote. docs/signals.md
// (SIGPROF) says how a program makes a profile.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gopreempt/internal/pprofconsole"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pprofextract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("d", ".", "write the files into `dir`")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: pprofextract [-d dir] console.log|-")
		return 2
	}
	in := stdin
	if fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			fmt.Fprintln(stderr, "pprofextract:", err)
			return 1
		}
		defer f.Close()
		in = f
	}
	files, err := pprofconsole.Extract(in)
	for _, f := range files {
		p := filepath.Join(*dir, filepath.Base(f.Name))
		if werr := os.WriteFile(p, f.Data, 0o644); werr != nil {
			fmt.Fprintln(stderr, "pprofextract:", werr)
			return 1
		}
		fmt.Fprintf(stdout, "%s: %d bytes\n", p, len(f.Data))
	}
	if err != nil {
		fmt.Fprintln(stderr, "pprofextract:", err)
		return 1
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "pprofextract: no profile in the log")
		return 1
	}
	return 0
}
