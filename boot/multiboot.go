package boot

import (
	"unsafe"

	"gopreempt/internal/addr"
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
	cmdline  [4096]byte
	cmdlen   int
	infoEnd  uint64 // highest address used by the multiboot structures
}

// readMultiboot copies the memory map and the command line.
func readMultiboot(info uintptr) {
	mi := (*multibootInfo)(addr.Ptr(info))
	bootInfo.infoEnd = uint64(info) + uint64(unsafe.Sizeof(*mi))
	if mi.Flags&mbFlagCmdline != 0 {
		p := uintptr(mi.Cmdline)
		n := 0
		for n < len(bootInfo.cmdline)-1 {
			c := *(*byte)(addr.Ptr(p + uintptr(n)))
			if c == 0 {
				break
			}
			bootInfo.cmdline[n] = c
			n++
		}
		bootInfo.cmdlen = n
		noteEnd(uint64(p) + uint64(n) + 1)
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

// cmdlineArgs returns the command line without its first word, which is
// the image path (QEMU's loader puts it there).
func cmdlineArgs() []byte {
	s := bootInfo.cmdline[:bootInfo.cmdlen]
	i := 0
	for i < len(s) && s[i] == ' ' {
		i++
	}
	for i < len(s) && s[i] != ' ' {
		i++
	}
	return s[i:]
}
