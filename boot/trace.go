package boot

import (
	"fmt"

	"gopreempt/kernel"
	"gopreempt/trace"
)

// startTrace starts the event tracer when trace= asks for it: the named
// classes are recorded from here on, and the kernel writes the trace to
// the second serial port when it powers off (docs/tracing.md).
func startTrace(spec string) {
	if spec == "" {
		return
	}
	c, ok := trace.ParseClasses(spec)
	if !ok {
		return // cmdline has checked the names
	}
	trace.Enable(c)
	if !trace.Start() {
		fmt.Printf("trace: no memory for the trace buffers; not tracing\n")
		return
	}
	kernel.TraceAtExit = true
	kernel.Pr(kernel.KERN_INFO).S("trace: recording ").S(c.String()).S(" on ").I(int64(kernel.OnlineCPUs())).S(" CPUs").Emit()
}
