package kernel

import "gopreempt/arch/amd64"

// A signal whose action is the default one and whose default is to
// terminate ends the program, as Linux's do_group_exit ends every thread
// of the process. Here the program is all there is, so the machine ends,
// with StatusFatalSignal (118, internal/exitstatus): the program did not
// choose an exit status, and 128+signal, the shell's way, does not fit
// in the 0..127 that QEMU's debug-exit device carries.
//
// One line says why, in the style of Linux's unhandled-signal messages:
//
//	init[1]: segfault at dead0000000 ip 0000000000401234 sp 000000c000050f28 error 6
//	traps: init[1] trap invalid opcode ip:401234 sp:c000050f28 error:0
//	init[1]: killed by signal 15 (SIGTERM)
//
// (show_signal_msg in arch/x86/mm/fault.c, do_trap in traps.c; Linux
// prints nothing for the last kind, which is left here to say why the
// run ended.) With print-fatal-signals=1 on the command line, Linux's
// option, the oops-style report follows: registers, code bytes and a
// backtrace from exception context, then, on the goroutine, the
// instruction decoded and the Go traceback (task_report.go).
//
// Kernel context, interrupts off: no allocation until the report moves
// to the goroutine.

// PrintFatalSignals is print-fatal-signals=1.
var PrintFatalSignals bool

var fatalSignalReportID int

func init() { fatalSignalReportID = RegisterTaskReport(fatalSignalReport) }

// doGroupExit ends the program for sig. It returns only when the report
// is to be finished on the goroutine, which f now enters.
func doGroupExit(f *amd64.TrapFrame, sig int, code int32) {
	oopsBegin() // held until the end of the machine, or handed on with the report
	t := Current()
	s := &t.Signal
	name := t.Name[:nameLen(t)]
	var buf, buf2, buf3 [16]byte
	switch {
	case s.fault.sig == int32(sig) && s.fault.trapno == amd64.VecPageFault:
		Pr(KERN_INFO).B(name).S("[").I(int64(t.Pid)).S("]: segfault at ").B(hex(s.fault.addr, &buf)).
			S(" ip ").X16(f.RIP).S(" sp ").X16(f.RSP).S(" error ").B(hex(s.fault.err, &buf2)).Emit()
	case s.fault.sig == int32(sig):
		Pr(KERN_INFO).S("traps: ").B(name).S("[").I(int64(t.Pid)).S("] trap ").
			S(amd64.VectorName(s.fault.trapno)).S(" ip:").B(hex(f.RIP, &buf)).S(" sp:").B(hex(f.RSP, &buf2)).
			S(" error:").B(hex(s.fault.err, &buf3)).Emit()
	default:
		Pr(KERN_INFO).B(name).S("[").I(int64(t.Pid)).S("]: killed by signal ").I(int64(sig)).
			S(" (").S(SignalName(sig)).S(")").Emit()
	}
	if PrintFatalSignals {
		Pr(KERN_INFO).B(name).S("/").I(int64(t.Pid)).S(": potentially unexpected fatal signal ").
			I(int64(sig)).S(".").Emit()
		dumpRegisters(f)
		dumpCode(f.RIP)
		Pr(KERN_INFO).S("Backtrace:").Emit()
		Pr(KERN_INFO).S("  [<0x").X16(f.RIP).S(">]").Emit()
		backtrace(uintptr(f.RBP), 32)
		fatalSignal = sig
		s.blocked = ^uint64(0) &^ unblockable // nothing else is delivered now
		if FinishInTask(f, fatalSignalReportID) {
			return
		}
	}
	killedBySignal(sig)
}

var fatalSignal int

// hex formats v as Linux's %lx does: lower-case digits, no 0x.
func hex(v uint64, b *[16]byte) []byte {
	i := len(b)
	for {
		i--
		b[i] = "0123456789abcdef"[v&15]
		v >>= 4
		if v == 0 {
			return b[i:]
		}
	}
}

// fatalSignalReport runs on the goroutine that took the signal.
func fatalSignalReport(f *amd64.TrapFrame, traceback []byte) {
	EmitLines(KERN_INFO, "Code: "+DecodeInstruction(faultPC(f)))
	Pr(KERN_INFO).S("Go traceback:").Emit()
	EmitLines(KERN_INFO, string(traceback))
	killedBySignal(fatalSignal)
}

func killedBySignal(sig int) {
	Pr(KERN_INFO).S("gopreempt: program killed by signal ").I(int64(sig)).
		S(" (").S(SignalName(sig)).S(")").Emit()
	PanicEnd(EndFatalSignal)
}

var signalNames = [...]string{"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP",
	"SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE",
	"SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
	"SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
	"SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"}

// SignalName names sig as Linux's headers do ("SIGRT" for 32..64).
func SignalName(sig int) string {
	if sig > 0 && sig < len(signalNames) {
		return signalNames[sig]
	}
	return "SIGRT"
}
