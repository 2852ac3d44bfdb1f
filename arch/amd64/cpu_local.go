package amd64

import (
	"unsafe"

	"gopreempt/internal/addr"
)

// CPULocal is the block each CPU's GS base points at (IA32_GS_BASE,
// SDM Vol. 3A, 3.4.4). Nothing in the Go runtime uses GS on linux/amd64
// (it keeps g in FS-relative TLS), so GS is free for per-CPU data, as in
// Linux. Every field the assembly reads has a fixed offset (CPU_* in
// entry_amd64.s); offsets_test.go checks they agree. The block lives outside the Go
// heap and is written only by its own CPU, except where a comment says so.
type CPULocal struct {
	Self    uintptr // GS:0, this block's address: "this_cpu_ptr"
	Current uintptr // GS:8, the running task (*TaskContext)
	Scratch uintptr // GS:16, SYSCALL entry parks the caller's RSP here
	ID      uint64  // GS:24, logical CPU number
	PerCPU  uintptr // GS:32, base of this CPU's per-CPU variable area
	APICID  uint64  // GS:40

	GDT [GDTEntries]uint64
	TSS TSS
	_   [4]byte
	// Tops of the IST stacks (see idt.go), indexed by IST number.
	ISTTop [8]uintptr
}

// CurrentTask returns GS:8, the running task's context.
func CurrentTask() *TaskContext { return (*TaskContext)(addr.Ptr(gsCurrent())) }

func gsCurrent() uintptr

// SetCurrent writes GS:8. Only the scheduler and boot call it.
func SetCurrent(tc *TaskContext)

// SwitchTo and CallOnKernelStack: see entry_amd64.s.
func SwitchTo(prev, next *TaskContext)
func CallOnKernelStack(fn func())

// MSRs for the segment bases (SDM Vol. 4, table 2-2). The kernel never
// swaps GS (SWAPGS): ring 0 only, its GS is always the per-CPU area, so
// MSR_KERNEL_GS_BASE is named for the reader of the table, unused.
const (
	MSR_FS_BASE        = 0xC0000100
	MSR_GS_BASE        = 0xC0000101
	MSR_KERNEL_GS_BASE = 0xC0000102
)

// InstallCPULocal points GS base at c.
func InstallCPULocal(c *CPULocal) {
	c.Self = uintptr(unsafe.Pointer(c))
	Wrmsr(MSR_GS_BASE, uint64(c.Self))
}
