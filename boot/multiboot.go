package boot

import (
	"unsafe"

	"gopreempt/boot/cmdline"
	"gopreempt/internal/addr"
	"gopreempt/kernel"
)

// The Multiboot v1 information structure (Multiboot specification 0.6.96,
// section 3.3), of which the kernel reads the memory map and the command
// line. The loader (QEMU's -kernel) puts it in memory the kernel has not
// claimed yet, so boot copies what it needs before handing memory to the
// allocator.
const (
	multibootMagic = 0x2BADB002

	mbFlagMem     = 1 << 0
	mbFlagCmdline = 1 << 2
	mbFlagMmap    = 1 << 6
)

type multibootInfo struct {
	Flags      uint32
	MemLower   uint32
	MemUpper   uint32
	BootDevice uint32
	Cmdline    uint32
	ModsCount  uint32
	ModsAddr   uint32
	Syms       [4]uint32
	MmapLength uint32
	MmapAddr   uint32
}

// memRegion is one entry of the memory map, copied.
type memRegion struct {
	base, length uint64
	typ          uint32 // 1 = available RAM
}

const maxRegions = 64

var bootInfo struct {
	regions  [maxRegions]memRegion
	nregions int
	cmdline  [cmdline.MaxLen]byte // the options, without the image path
	cmdlen   int                  // their length, also when it is over the limit
	infoEnd  uint64               // highest address used by the multiboot structures
}

// maxCmdlineScan bounds the search for the end of the loader's string,
// in case it is not terminated. QEMU's Multiboot loader passes -append
// whole, however long; the only bound before the kernel's is the host's
// limit on one argument or environment string (128 KiB on Linux), so a
// line that reaches the kernel is always measured to its end.
const maxCmdlineScan = 1 << 20

// readMultiboot copies the memory map and the command line.
func readMultiboot(info uintptr) {
	mi := (*multibootInfo)(addr.Ptr(info))
	bootInfo.infoEnd = uint64(info) + uint64(unsafe.Sizeof(*mi))
	if mi.Flags&mbFlagCmdline != 0 {
		p := uintptr(mi.Cmdline)
		n := 0
		for n < maxCmdlineScan && *(*byte)(addr.Ptr(p + uintptr(n))) != 0 {
			n++
		}
		noteEnd(uint64(p) + uint64(n) + 1)
		args := skipImagePath((*[maxCmdlineScan]byte)(addr.Ptr(p))[:n:n])
		bootInfo.cmdlen = len(args)
		copy(bootInfo.cmdline[:], args) // all of it, or checkCmdlineLength stops the boot
	}
	if mi.Flags&mbFlagMmap != 0 {
		// Each entry is preceded by its size, which does not count itself.
		p, end := uintptr(mi.MmapAddr), uintptr(mi.MmapAddr)+uintptr(mi.MmapLength)
		for p < end && bootInfo.nregions < maxRegions {
			size := *(*uint32)(addr.Ptr(p))
			bootInfo.regions[bootInfo.nregions] = memRegion{
				base:   *(*uint64)(addr.Ptr(p + 4)),
				length: *(*uint64)(addr.Ptr(p + 12)),
				typ:    *(*uint32)(addr.Ptr(p + 20)),
			}
			bootInfo.nregions++
			p += uintptr(size) + 4
		}
		noteEnd(uint64(end))
	} else if mi.Flags&mbFlagMem != 0 {
		// No map: lower memory from 0, upper memory from 1 MiB (in KiB).
		bootInfo.regions[0] = memRegion{0, uint64(mi.MemLower) << 10, 1}
		bootInfo.regions[1] = memRegion{1 << 20, uint64(mi.MemUpper) << 10, 1}
		bootInfo.nregions = 2
	}
}

func noteEnd(a uint64) {
	if a > bootInfo.infoEnd {
		bootInfo.infoEnd = a
	}
}

// skipImagePath drops the first word of the loader's command line,
// which is the image path (QEMU's loader puts it there), and the white
// space after it.
func skipImagePath(s []byte) []byte {
	i := 0
	for i < len(s) && s[i] == ' ' {
		i++
	}
	for i < len(s) && s[i] != ' ' {
		i++
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return s[i:]
}

// checkCmdlineLength stops the boot when the command line did not fit:
// the kernel never runs on part of one (cmdline.MaxLen).
func checkCmdlineLength() {
	if bootInfo.cmdlen <= cmdline.MaxLen {
		return
	}
	m := kernel.Pr(kernel.KERN_EMERG).S("gopreempt: bad kernel command line: it is ")
	if bootInfo.cmdlen >= maxCmdlineScan {
		m = m.S("over ")
	}
	m.U(uint64(bootInfo.cmdlen)).S(" bytes long, and the kernel accepts at most ").U(cmdline.MaxLen).
		S(" bytes; it is rejected, not cut").Emit()
	kernel.PanicEnd(kernel.EndBadCmdline)
}

// cmdlineArgs returns the command line without the image path.
func cmdlineArgs() []byte { return bootInfo.cmdline[:bootInfo.cmdlen] }
