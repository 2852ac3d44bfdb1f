package kernel

import (
	"runtime"
	"testing"
	_ "unsafe" // for go:linkname

	"gopreempt/arch/amd64"
)

// The runtime's own preempt_disable, which the kernel's assembly does
// the work of (preempt_amd64.s).
//
//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// The pin preempt_disable() writes itself is the runtime's own: the word
// at arch/amd64's MLocks in the running m is the one
// runtime.procPin raises (Go's version may move it), and the pair raises
// and restores it on a goroutine.
func TestPinIsMLocks(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	base := mLocks()
	procPin()
	pinned := mLocks()
	procUnpin()
	if pinned != base+1 || mLocks() != base {
		t.Fatalf("m.locks at offset %#x: %d, %d under procPin, %d after; the runtime's m has moved the field", amd64.MLocks, base, pinned, mLocks())
	}
	PreemptDisable()
	PreemptDisable()
	inside := mLocks()
	PreemptEnable()
	PreemptEnable()
	if inside != base+2 || mLocks() != base {
		t.Errorf("m.locks %d, %d inside two preempt_disable(), %d after; want %d, %d", base, inside, mLocks(), base+2, base)
	}
}
