// Package simdtest holds the assembly helpers of the fpu tests: they put
// known values in the vector and x87 registers, keep them there while
// the CPU spins (no call, no Go code, so only interrupts and preemption
// can touch them) and read back what the registers hold afterwards.
// They live in a package of their own because a _test package cannot
// have assembly files.
package simdtest

// SSEState is the state HoldSSE loads and reads back.
type SSEState struct {
	X     [16][2]uint64 // XMM0-XMM15
	FCW   uint16        // x87 control word
	_     uint16
	MXCSR uint32
	ST0   int64 // an integer held in x87 register ST(0)
}

// HoldSSE loads in into XMM0-15, the x87 control word, MXCSR and ST(0);
// spins for ticks TSC ticks; stores what those registers then hold into
// out; and puts the control state back to its initial values (FCW
// 0x37f, MXCSR 0x1f80, empty x87 stack). in.FCW must keep every x87
// exception masked and in.MXCSR every SIMD exception, because the spin
// may be interrupted and the handler's Go code runs with them.
//
//go:noescape
func HoldSSE(in, out *SSEState, ticks uint64)

// YMMState is the content of YMM0-YMM15, four 64-bit lanes each.
type YMMState [16][4]uint64

// HoldYMM is HoldSSE for YMM0-15. It is VEX-encoded: call it only inside
// a bracket.
//
//go:noescape
func HoldYMM(in, out *YMMState, ticks uint64)

// ReadYMM stores YMM0-15 as they are on entry. Inside a bracket only.
//
//go:noescape
func ReadYMM(out *YMMState)
