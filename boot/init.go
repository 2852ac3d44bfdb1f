package boot

import (
	"fmt"
	"os"

	"gopreempt/boot/cmdline"
	"gopreempt/fs/tmpfs"
	"gopreempt/kernel"
)

// init runs in task context as the Go runtime initializes packages, before
// the program's main: the first place where the kernel can use the Go
// heap and fmt. It parses the kernel command line, which start passed in
// the environment, applies the options, and replaces os.Args with the
// program arguments (test.* options and the words after "--"). A bad
// command line is rejected here, with the reason and the accepted
// options, and the machine exits with exitstatus.BadCmdline.
//
// In a host process (go test without the kernel) start never ran, and
// init does nothing.
func init() {
	if !booted {
		return
	}
	raw := os.Getenv("GOPREEMPT_CMDLINE")
	opts, err := cmdline.Parse(raw)
	if err != nil {
		fmt.Printf("gopreempt: bad kernel command line: %v\n\n%s", err, cmdline.Usage())
		kernel.PanicEnd(kernel.EndBadCmdline)
	}
	Options = opts
	apply(opts)
	os.Args = append([]string{os.Args[0]}, opts.Argv...)
	shown := opts
	shown.Argv = nil // printed apart, each quoted: what the program gets
	fmt.Printf("gopreempt: %s, program arguments %q\n", shown.Format(), opts.Argv)
}

// Options is the parsed kernel command line.
var Options cmdline.Options

func apply(o cmdline.Options) {
	kernel.Model = o.Preempt
	kernel.Panic = o.Panic
	kernel.ConsoleLogLevel = o.LogLevel
	startTrace(o.Trace)
	kernel.PrintFatalSignals = o.PrintFatalSignals
	if o.HZ != kernel.HZ {
		kernel.HZ = o.HZ // each CPU's tick timer reads HZ as it restarts
	}
	switch {
	case o.TmpfsSize > 0:
		tmpfs.SetSizeLimit(o.TmpfsSize)
	case o.TmpfsSize == cmdline.TmpfsNoLimit:
		tmpfs.SetSizeLimit(0)
	}
}
