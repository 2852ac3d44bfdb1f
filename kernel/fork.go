package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/percpu"
)

// Creating tasks. A new task starts by "returning from an interrupt" into
// its first instruction: its kernel stack holds a TrapFrame, and the
// first switch to it lands in forkReturn, which unwinds that frame
// (arch/amd64/entry_amd64.s). clone fills the frame from the parent's
// (the child resumes after the same SYSCALL with RAX = 0); the first task
// gets one that enters the Go runtime.

// fpuInitArea writes the state FNINIT and the default MXCSR give (SDM
// Vol. 1, 8.1.5 and 10.2.3.1) into an FXSAVE image: x87 control word 0x37f,
// MXCSR 0x1f80 (all SIMD exceptions masked, round to nearest).
func fpuInitArea(a uintptr) {
	b := (*[4096]byte)(addr.Ptr(a))
	for i := range b {
		b[i] = 0
	}
	b[0], b[1] = 0x7f, 0x03
	b[24], b[25] = 0x80, 0x1f
}

// newTaskFrame allocates a task and its initial frame.
func newTaskFrame(kind uint8) (*Task, *amd64.TrapFrame) {
	t := allocTask(kind, 0, 0)
	if t == nil {
		return nil, nil
	}
	f, ksp := amd64.NewTaskStack(t.KStackHi)
	t.KSP = ksp
	return t, f
}

// NewEntryTask creates a runnable task that starts at rip with stack rsp,
// interrupts on, and a fresh FPU state (the runtime's first thread).
func NewEntryTask(name string, rip, rsp uintptr) *Task {
	t, f := newTaskFrame(taskThread)
	if t == nil {
		return nil
	}
	t.SetName(name)
	copyFPUImage(f, t.FPU)
	f.RIP = uint64(rip)
	f.RSP = uint64(rsp)
	f.RFLAGS = amd64.FlagIF | 0x2
	f.CS = amd64.KernelCS
	f.SS = amd64.KernelDS
	t.State = TASK_RUNNING
	wakeUpNewTask(t)
	return t
}

// CopyThread creates the child of a clone(): a copy of the parent's frame
// (registers and FPU state as at the SYSCALL), returning 0 in RAX, on the
// stack the caller gave, with FS base tls when setTLS.
func CopyThread(parent *amd64.TrapFrame, stack uintptr, setTLS bool, tls uintptr) *Task {
	t, f := newTaskFrame(taskThread)
	if t == nil {
		return nil
	}
	cur := Current()
	t.Name = cur.Name
	t.Nice = cur.Nice
	copySignalState(t, cur)
	parent.CompleteFPU() // the child starts with the parent's whole x87/SSE state
	*f = *parent
	f.RAX = 0
	// A new thread starts with interrupts on. In Linux the parent is in
	// user mode, where they always are; here it may be kernel code in
	// task context inside an interrupts-off section (the runtime can
	// start a thread from anywhere), and that section is the parent's,
	// not the child's: a child that inherited it would run with
	// interrupts off for ever, since every system call gives a thread
	// back the flags it came in with. R11 is RFLAGS after a SYSCALL.
	f.RFLAGS |= amd64.FlagIF
	f.R11 = f.RFLAGS
	if stack != 0 {
		f.RSP = uint64(stack)
	}
	if setTLS {
		f.FSBase = uint64(tls)
	}
	t.State = TASK_RUNNING
	return t
}

// WakeUpNewTask makes a task created by CopyThread runnable.
func WakeUpNewTask(t *Task) { wakeUpNewTask(t) }

func wakeUpNewTask(t *Task) {
	t.ThreadInfo.CPU = uint32(percpu.RawSmpProcessorID())
	cpu := selectTaskRQ(t)
	t.ThreadInfo.CPU = uint32(cpu)
	activateOn(t, cpu, false)
}

func copyFPUImage(f *amd64.TrapFrame, area uintptr) {
	src := (*[512]byte)(addr.Ptr(area))
	f.FPU = *src
}

// ForkTail runs first in every new task (amd64.ForkTailHook, which boot/hooks.go installs): it finishes
// the switch that brought the task here. Interrupts stay off until the
// frame is unwound: the run-queue lock is released with them off.
func ForkTail() {
	finishSwitch()
}

// NewIdleTask makes the calling boot context CPU cpu's idle task: its
// kernel stack is the boot stack [lo, hi). It installs the task as
// current, with FS base on its kernel context.
func NewIdleTask(cpu int, lo, hi uintptr) *Task {
	t := allocTask(taskIdle, lo, hi)
	if t == nil {
		return nil
	}
	t.SetName("swapper")
	t.onCPU = true
	t.ThreadInfo.CPU = uint32(cpu)
	rq := cpuRQ(cpu)
	rq.cpu = cpu
	rq.idle = refOf(t)
	rq.curr = refOf(t)
	amd64.SetCurrent(&t.TaskContext)
	amd64.Wrmsr(amd64.MSR_FS_BASE, uint64(t.KernelFS))
	return t
}

// RunIdle enters the idle loop for good.
func RunIdle() { cpuIdle() }
