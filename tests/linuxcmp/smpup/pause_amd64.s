#include "textflag.h"

// func pause()
// One PAUSE: under QEMU's -icount it ends this virtual CPU's turn in the
// emulator's round robin. Expects nothing, leaves every register as it was.
TEXT ·pause(SB), NOSPLIT, $0-0
	PAUSE
	RET
