package amd64

// TrapFrame is what the entry code leaves on the kernel stack for every
// interrupt, exception and system call, lowest address first. The FXSAVE
// area comes first because FXSAVE needs 16-byte alignment (SDM Vol. 1,
// 10.5.1); the entry code aligns the frame so that it has it. The
// general registers are pushed in the order RAX..R15, so they appear
// reversed here. Vector..SS are the stub's two words and the CPU's
// five-word interrupt frame (SDM Vol. 3A, figure 6-9); for SYSCALL the
// entry code builds the same five words from RCX (RIP) and R11 (RFLAGS).
//
// Handlers may change the frame: a system call's result goes in RAX, and
// the page-fault handler, clone and the oops path rewrite RIP/RSP.
type TrapFrame struct {
	FPU    [512]byte // FXSAVE image of the interrupted x87/SSE state
	FSBase uint64    // the interrupted FS base (the runtime's TLS)
	_      uint64    // keeps the frame size a multiple of 16

	R15, R14, R13, R12, R11, R10, R9, R8 uint64
	RBP, RDI, RSI, RDX, RCX, RBX, RAX    uint64

	Vector    uint64
	ErrorCode uint64

	RIP, CS, RFLAGS, RSP, SS uint64
}

// TrapFrameSize is the frame's size in bytes (a multiple of 16).
const TrapFrameSize = 512 + 24*8

// InterruptsWereEnabled reports whether the interrupted code ran with IF set.
func (f *TrapFrame) InterruptsWereEnabled() bool { return f.RFLAGS&FlagIF != 0 }
