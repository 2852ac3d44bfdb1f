package amd64

import (
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/arch/x86/x86asm"

	"gopreempt/internal/addr"
)

// The vectors for which the CPU pushes an error code: SDM Vol. 3A, table
// 6-1, and AMD's #VC and #SX (AMD64 APM Vol. 2, 8.2). Written here from
// the manuals, apart from the assembly, so that each checks the other.
var errorCodeVectors = map[int]bool{
	VecDoubleFault: true, VecInvalidTSS: true, VecSegment: true, VecStack: true,
	VecGPF: true, VecPageFault: true, VecAlignment: true, VecControlProt: true,
	29: true, 30: true,
}

// TestVectorStubs decodes the stub table the way the CPU will run it:
// vector v's slot, at vectorStubs + v*vectorStubSize, must push a zero
// where the CPU pushes no error code, then v, then jump to trapCommon, and
// fit in its slot. BuildIDT computes the gates' addresses that way, so a
// stub that grew, or a table that lost a slot, would send vectors to the
// wrong stub: this is the test of that arithmetic.
func TestVectorStubs(t *testing.T) {
	base := vectorStubsAddr()
	if base%vectorStubSize != 0 {
		t.Errorf("vectorStubs at %#x is not %d-byte aligned", base, vectorStubSize)
	}
	for v := 0; v < 256; v++ {
		a := vectorAddr(v)
		if a != base+uintptr(v)*vectorStubSize {
			t.Fatalf("vectorAddr(%d) = %#x, want base %#x + %d*%d", v, a, base, v, vectorStubSize)
		}
		code := unsafe.Slice((*byte)(addr.Ptr(a)), vectorStubSize)
		var want []int64 // the immediates the stub must push, in order
		if !errorCodeVectors[v] {
			want = append(want, 0)
		}
		want = append(want, int64(v))
		off := 0
		for i, imm := range want {
			inst, err := x86asm.Decode(code[off:], 64)
			if err != nil || inst.Op != x86asm.PUSH {
				t.Fatalf("vector %d: instruction %d at +%d is %v (%v), want PUSH $%d", v, i, off, inst, err, imm)
			}
			if got, ok := inst.Args[0].(x86asm.Imm); !ok || int64(got) != imm {
				t.Fatalf("vector %d: instruction %d is %v, want PUSH $%d", v, i, inst, imm)
			}
			off += inst.Len
		}
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil || inst.Op != x86asm.JMP {
			t.Fatalf("vector %d: instruction at +%d is %v (%v), want JMP trapCommon", v, off, inst, err)
		}
		rel, ok := inst.Args[0].(x86asm.Rel)
		if !ok {
			t.Fatalf("vector %d: %v is not a relative jump", v, inst)
		}
		off += inst.Len
		if off > vectorStubSize {
			t.Fatalf("vector %d: the stub is %d bytes, more than its %d-byte slot", v, off, vectorStubSize)
		}
		target := a + uintptr(off) + uintptr(int64(rel))
		if fn := runtime.FuncForPC(target); fn == nil || fn.Entry() != target || fn.Name() != "gopreempt/arch/amd64.trapCommon" {
			t.Fatalf("vector %d: the stub jumps to %#x, not to the start of trapCommon", v, target)
		}
	}
}
