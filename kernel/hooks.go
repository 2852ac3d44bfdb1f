package kernel

import "gopreempt/arch/amd64"

// InstallTrapHooks connects the entry code to this package. Boot calls it
// before the first interrupt can arrive.
func InstallTrapHooks() {
	amd64.TrapHook = handleTrap
	amd64.ForkTailHook = forkTail
	amd64.PinTask = pinForRawLock
	amd64.UnpinTask = procUnpin
}

// pinForRawLock is amd64.PinTask: a raw lock taken in task context pins
// the goroutine (see amd64.RawLock). In kernel context, and before the
// first task exists, there is no goroutine to pin.
func pinForRawLock() bool {
	if Current() == nil || inKernelContext() {
		return false
	}
	procPin()
	return true
}
