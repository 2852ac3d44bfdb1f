package fpu

import (
	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// The report of an AVX instruction outside a bracket, finished in task
// context.
//
// Decoding with x86asm and taking a Go traceback both allocate, which
// exception context may not. So, as the oops path does for faults in
// goroutines, the report is finished on the faulting goroutine through
// kernel.FinishInTask (kernel/task_report.go has the full argument).
//
// The report is a BUG, BugAVX, whose name is the required first line:
// "BUG: AVX instruction outside kernel_fpu_begin/end", followed by the
// decoded instruction, the task, a frame-pointer backtrace and the Go
// traceback. It cannot be a BUG that lets the kernel continue: the
// instruction did not execute, and skipping it would hand its caller a
// wrong result. So the report ends the machine like an oops
// (kernel.EndBugUnresumable): with status Bug (113) under panic=exit,
// halted under panic=halt, and with status Oops (112) otherwise. kernel.ReportBug would end the machine under
// panic=exit before the traceback is printed, so it is called with
// reports made non-fatal (kernel.ExpectBugs) and the ending is done here.
// The whole report holds the kernel's report lock, taken for this
// goroutine (kernel.OopsBeginInTask), so that no other CPU's report comes
// between its lines.

// avxSaved carries XCR0 to the goroutine: static, no Go pointers.
var avxSaved struct {
	xcr0 uint64
}

var avxReportID int

func init() { avxReportID = kernel.RegisterTaskReport(avxReport) }

// injectAVXReport redirects the frame into avxReport when the fault hit
// an ordinary goroutine that could have made a call there.
//
// Exception context: no allocation, no Go pointer stores.
func injectAVXReport(f *amd64.TrapFrame, xcr0 uint64) bool {
	avxSaved.xcr0 = xcr0
	return kernel.FinishInTask(f, avxReportID)
}

// avxReport is the report, on the faulting goroutine. It does not return.
func avxReport(f *amd64.TrapFrame, traceback []byte) {
	kernel.OopsBeginInTask() // one report, to the end of the machine (kernel/oops_lock.go)
	code := kernel.DecodeInstruction(f.RIP)
	kernel.ExpectBugs(kernel.BugAVX, func() {
		kernel.ReportBug(kernel.BugAVX, code)
	})
	kernel.Pr(kernel.KERN_ERR).S("  RIP ").X16(f.RIP).S(", XCR0 ").X(avxSaved.xcr0).
		S(" (no YMM): VEX-encoded instructions raise #UD outside kernel_fpu_begin/end").Emit()
	kernel.Pr(kernel.KERN_ERR).S("Go traceback:").Emit()
	kernel.EmitLines(kernel.KERN_ERR, string(traceback))
	endAVXReport()
}

// endAVXReport ends the machine: the faulting instruction cannot be
// resumed. The closing line names the ending panic= chooses
// (kernel.EndBugUnresumable); under panic=halt the halt says it.
func endAVXReport() {
	switch kernel.Panic {
	case kernel.PanicExit:
		kernel.Pr(kernel.KERN_EMERG).S("---[ end trace: AVX outside kernel_fpu_begin/end, panic=exit ]---").Emit()
	case kernel.PanicDefault:
		kernel.Pr(kernel.KERN_EMERG).S("---[ end Kernel oops: AVX outside kernel_fpu_begin/end cannot be resumed ]---").Emit()
	}
	kernel.PanicEnd(kernel.EndBugUnresumable)
}
