#include "textflag.h"

// func kernelImageSymbols() (text, etext, end uintptr)
// The linker's symbols around the code and at the end of the BSS
// (kernel_image.go).
TEXT ·kernelImageSymbols(SB),NOSPLIT,$0-24
	LEAQ	runtime·text(SB), AX
	MOVQ	AX, text+0(FP)
	LEAQ	runtime·etext(SB), AX
	MOVQ	AX, etext+8(FP)
	LEAQ	runtime·end(SB), AX
	MOVQ	AX, end+16(FP)
	RET
