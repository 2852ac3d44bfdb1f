#include "textflag.h"

// UD2 raises #UD by definition (SDM Vol. 2B, UD). The Go assembler spells
// it UNDEF.
TEXT ·ud2(SB),NOSPLIT,$0-0
	UNDEF
	RET
