package kernel_test

import (
	"testing"

	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// TestCloneChildStartsWithInterruptsOn: a thread made by clone() starts
// with interrupts on even when its parent called clone() with them off
// (kernel code in task context inside an interrupts-off section, where
// the Go runtime may start a thread); it must not inherit the parent's
// section and run without interrupts for ever.
func TestCloneChildStartsWithInterruptsOn(t *testing.T) {
	for _, parent := range []uint64{0x2, amd64.FlagIF | 0x2, 0x2 | 1<<0 | 1<<6} {
		rflags, r11 := kernel.ChildStartFlags(parent)
		if rflags&amd64.FlagIF == 0 || r11 != rflags {
			t.Errorf("parent RFLAGS %#x: child starts with RFLAGS %#x, R11 %#x; want IF set, and R11 = RFLAGS", parent, rflags, r11)
		}
		if want := parent | amd64.FlagIF; rflags != want {
			t.Errorf("parent RFLAGS %#x: child starts with %#x, want the parent's flags with IF: %#x", parent, rflags, want)
		}
	}
}
