// Command tracetool turns a gopreempt event trace (the stream the kernel
// writes to its second serial port: trace/format) into a timeline:
//
//	tracetool [-elf kernel.elf] [-json out.json] [-html out.html] [-summary] [-wakeups [-pid N]...] trace.bin
//
// -json writes Chrome/Perfetto trace-event JSON (open it in
// ui.perfetto.dev or chrome://tracing); -html writes a self-contained
// page with a per-CPU timeline (no network, no external scripts);
// -summary prints the event counts; -wakeups follows every cross-CPU
// wake-up to its IPI and switch (wakeups.go); -elf names PCs with the kernel's
// line table (where each preemption took the CPU). docs/tracing.md explains both views.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"gopreempt/trace/format"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tracetool", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jsonOut := fs.String("json", "", "write Chrome trace-event JSON to `file`")
	htmlOut := fs.String("html", "", "write the HTML timeline to `file`")
	summary := fs.Bool("summary", false, "print how many events of each type the trace holds")
	wakeups := fs.Bool("wakeups", false, "follow each cross-CPU wake-up to its IPI and switch, and count what ended idle halts")
	var wakePids pidSet
	fs.Var(&wakePids, "pid", "with -wakeups, follow only this task's wake-ups (repeatable)")
	elfPath := fs.String("elf", "", "name PCs (preemption points, preempt_disable callers) with the kernel `ELF`'s line table")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: tracetool [-elf kernel.elf] [-json out.json] [-html out.html] [-summary] [-wakeups [-pid N]...] trace.bin")
		return 2
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "tracetool:", err)
		return 1
	}
	tr, err := format.Read(f)
	f.Close()
	if err != nil {
		fmt.Fprintln(stderr, "tracetool:", err)
		return 1
	}
	tl := buildTimeline(tr)
	if *elfPath != "" {
		sym, err := loadSymbols(*elfPath)
		if err != nil {
			fmt.Fprintln(stderr, "tracetool:", err)
			return 1
		}
		tl.sym = sym
	}
	write := func(path string, fn func(io.Writer, *timeline) error) bool {
		if path == "" {
			return true
		}
		out, err := os.Create(path)
		if err == nil {
			err = fn(out, tl)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "tracetool:", err)
			return false
		}
		return true
	}
	if !write(*jsonOut, writeChrome) || !write(*htmlOut, writeHTML) {
		return 1
	}
	if *wakeups {
		writeWakeups(stdout, tr, wakePids)
	}
	if *summary || (*jsonOut == "" && *htmlOut == "" && !*wakeups) {
		printSummary(stdout, tr, tl)
	}
	return 0
}

func printSummary(w io.Writer, tr *format.Trace, tl *timeline) {
	counts := map[format.Type]int{}
	var lost uint64
	for _, c := range tr.CPUs {
		for _, r := range c.Records {
			counts[r.Type]++
		}
		lost += c.Lost
	}
	fmt.Fprintf(w, "%d CPUs, TSC %d Hz, %.3f ms, %d task slices, %d records lost to overwriting\n",
		len(tr.CPUs), tr.TSCHz, tl.endUS/1000, len(tl.slices), lost)
	var types []format.Type
	for t := range counts {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	for _, t := range types {
		fmt.Fprintf(w, "%8d %s\n", counts[t], t)
	}
}
