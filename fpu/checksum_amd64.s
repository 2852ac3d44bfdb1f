#include "textflag.h"

// func xorBlocksAVX2(p *byte, n int, out *[32]byte)
//
// Four accumulators, so that four independent VPXORs are in flight per
// 128 bytes; the partial sums stay in YMM0-YMM3 from the first block to
// the last, across every interrupt that arrives meanwhile. VPXOR on
// 256-bit integer operands is AVX2 (VEX.256.66.0F.WIG EF, SDM Vol. 2C);
// its memory operand needs no alignment. The first instruction is not a
// VEX one, so that a #UD report's return address lies inside this
// function for the Go unwinder.
TEXT ·xorBlocksAVX2(SB),NOSPLIT,$0-24
	MOVQ	p+0(FP), SI
	MOVQ	n+8(FP), CX
	MOVQ	out+16(FP), DI
	VPXOR	Y0, Y0, Y0
	VPXOR	Y1, Y1, Y1
	VPXOR	Y2, Y2, Y2
	VPXOR	Y3, Y3, Y3
loop128:
	CMPQ	CX, $128
	JB	loop32
	VPXOR	0(SI), Y0, Y0
	VPXOR	32(SI), Y1, Y1
	VPXOR	64(SI), Y2, Y2
	VPXOR	96(SI), Y3, Y3
	ADDQ	$128, SI
	SUBQ	$128, CX
	JMP	loop128
loop32:
	CMPQ	CX, $32
	JB	fold
	VPXOR	0(SI), Y0, Y0
	ADDQ	$32, SI
	SUBQ	$32, CX
	JMP	loop32
fold:
	VPXOR	Y1, Y0, Y0
	VPXOR	Y3, Y2, Y2
	VPXOR	Y2, Y0, Y0
	VMOVDQU	Y0, 0(DI)
	RET
