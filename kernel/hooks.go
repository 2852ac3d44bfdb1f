package kernel

import (
	"gopreempt/arch/amd64"
	"gopreempt/mm"
)

// InstallTrapHooks connects the entry code to this package. Boot calls it
// before the first interrupt can arrive.
func InstallTrapHooks() {
	amd64.TrapHook = handleTrap
	amd64.ForkTailHook = forkTail
	amd64.PinTask = pinGoroutine // raw locks pin in task context (amd64.RawLock)
	amd64.UnpinTask = procUnpin
	mm.Fatal = KernelPanic // mm is below the kernel: its fatal path reaches panic= here
}
