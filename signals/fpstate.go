package signals

import "unsafe"

// An FXArea is a 16-byte aligned FXSAVE image (SDM Vol. 1, 10.5.1).
type FXArea struct {
	buf [512 + 16]byte
}

// Bytes returns the aligned 512 bytes.
func (a *FXArea) Bytes() *[512]byte {
	p := uintptr(unsafe.Pointer(&a.buf[0]))
	off := (16 - p&15) & 15
	return (*[512]byte)(unsafe.Pointer(&a.buf[off]))
}

// FPSyscall and FPSpin are in fpstate_amd64.s.
func FPSyscall(state, out, saved *byte, nr, a0, a1, a2 uintptr) uintptr
func FPSpin(state, out, saved *byte, n uintptr)

// FlagsSyscall is in fpstate_amd64.s.
func FlagsSyscall(status, nr uintptr) (after, r11 uintptr)

// IdivZero is in fpstate_amd64.s.
func IdivZero(a int64) int64

// FXSave is in fpstate_amd64.s.
func FXSave(p *byte)

// Pattern fills img (a valid FXSAVE image of the current state) with a
// recognisable x87/SSE state: XMM0-15 each with their own bytes, all
// eight x87 registers valid with their own bit patterns, a non-default
// x87 control word (53-bit precision) and MXCSR (round toward zero,
// flush to zero).
func Pattern(img *[512]byte) {
	img[0], img[1] = 0x7f, 0x02 // FCW 0x027f
	img[2], img[3] = 0, 0       // FSW: TOP 0, no exceptions
	img[4] = 0xff               // abridged tag: all valid
	img[24], img[25], img[26], img[27] = 0x80, 0xff, 0, 0
	for i := 0; i < 8; i++ {
		for j := 0; j < 10; j++ {
			img[32+16*i+j] = byte(0x40 + 8*i + j)
		}
	}
	for i := 0; i < 16; i++ {
		for j := 0; j < 16; j++ {
			img[160+16*i+j] = byte(0x80 ^ (16*i + j))
		}
	}
}

// Compared is the part of an FXSAVE image that is architectural state:
// control, status and tag words, the last-instruction fields, MXCSR, the
// x87 and XMM registers (bytes 416..511 are reserved or free).
const Compared = 416

// What RawHandler (fpstate_amd64.s) saw the last time it ran, and how
// often it ran. Written by the handler in assembly, read by the tests.
var (
	RawSig, RawCode, RawSP, RawMask uint64
	RawCount                        uint64
	RawUnion                        [2]uint64 // the siginfo's first 16 bytes after si_code
)

// RawTimers is the size of the per-timer record below: a power of two,
// the kernel's limit on CPU-time timers (kernel.maxCPUTimers).
const RawTimers = 128

// What RawHandler saw of POSIX timer signals (si_code SI_TIMER), by timer
// id (si_tid, modulo RawTimers): how many it took, and the last one's
// union (si_tid and si_overrun, si_value). A test counts its own timer's
// signals here, and no other SIGPROF of the process (one of a profiling
// timer the Go runtime has not yet disarmed in an idle thread) counts
// for it.
var (
	RawTimerCount [RawTimers]uint64
	RawTimerUnion [RawTimers][2]uint64
)

// RawHandlerAddr and RawRestorerAddr are the addresses of RawHandler and
// RawRestorer, for struct sigaction.
func RawHandlerAddr() uintptr
func RawRestorerAddr() uintptr
