package boot

import (
	"gopreempt/kernel"
)

// The least RAM the kernel boots in.
//
// The loader puts the image at its link address (from 4 MiB up) and the
// boot code then needs memory above it: the BSS (boot stack, frame
// bitmap, per-CPU areas) is part of the image but only exists where
// there is RAM, and after it come the frames the boot takes (IST and
// task stacks, page tables, the first task's stack) and those the Go
// runtime touches while it starts (its first heap arena's metadata, the
// first spans and goroutine stacks). On a machine that is too small,
// each of these fails in its own confusing way: past the end of the
// boot stack the first call triple-faults, past the BSS a random
// variable reads back as all ones, and a little higher the runtime
// starts and dies in its first allocation. So the boot measures first
// and refuses a machine that cannot work, naming what it has and what
// it needs, with exitstatus.TooLittleMemory. That is not an
// out-of-memory (exitstatus.OutOfMemory), which is a running program
// that used up a machine big enough to boot.
//
// Two checks, at the two points where code can run:
//
//   - entry64 (entry_amd64.s), before the first Go code: if RAM ends
//     below the top of the boot stack, no Go function can even be
//     called, so it sends a fixed line byte by byte to the serial port,
//     writes the status to the debug-exit port and halts.
//   - checkMemorySize, the first thing start does after reading the
//     Multiboot information: RAM must reach bootHeadroom past the end
//     of the image, or the boot stops with the message.
//
// Below the end of the image's text nothing of the kernel can run at
// all; the loader does not check, and the run ends as a hang, a reset
// (qemurun: timeout or "stopped without reporting") or, when the entry
// code itself lies past the end of RAM, QEMU aborting in its translator
// (qemurun: "killed by SIGABRT").

// bootHeadroom is what the boot and the Go runtime's start take above
// the image. Measured with a small program: it started with 1.6 MiB
// and failed with 0.5 MiB; 2 MiB leaves a margin.
const bootHeadroom = 2 << 20

const mib = 1 << 20

// checkMemorySize stops the boot with the reason if RAM, from 1 MiB up,
// ends too early for the kernel.
func checkMemorySize() {
	need := (uint64(imageEnd()) + bootHeadroom + mib - 1) / mib
	top := ramTop()
	have := (top + mib/2) / mib // as -m was given: QEMU keeps the last 128 KiB
	if have >= need {
		return
	}
	kernel.Pr(kernel.KERN_EMERG).S("boot: ").U(have).S(" MiB of RAM, the kernel needs at least ").U(need).
		S(" MiB (its image ends at ").U(uint64(imageEnd()) >> 10).S(" KiB, RAM at ").U(top >> 10).
		S(" KiB); give QEMU more memory (-m, GOPREEMPT_MEM)").Emit()
	kernel.PanicEnd(kernel.EndTooLittleMemory)
}

// ramTop is the end of the RAM region that holds the image (the one
// that starts at or below 1 MiB and reaches past it), 0 if none does.
func ramTop() uint64 {
	var top uint64
	for i := 0; i < bootInfo.nregions; i++ {
		r := bootInfo.regions[i]
		if r.typ == 1 && r.base <= 1<<20 && r.base+r.length > top {
			top = r.base + r.length
		}
	}
	return top
}
