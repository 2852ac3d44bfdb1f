package amd64

import "unsafe"

// The GDT (SDM Vol. 3A, 3.5.1). In long mode segmentation is almost gone:
// code segments carry only the L (64-bit) bit and the privilege level, and
// data segments are ignored except for being present. What long mode still
// needs the GDT for is the TSS descriptor, which is how the CPU finds the
// IST stacks (SDM Vol. 3A, 8.7). Every CPU has its own GDT and TSS inside
// its CPULocal block. Everything runs at CPL 0: there is no user mode.
const (
	GDTEntries = 6

	KernelCS  = 0x08 // selector 1: 64-bit code, DPL 0
	KernelDS  = 0x10 // selector 2: data, DPL 0; SYSCALL loads SS = STAR.CS + 8
	TSSSel    = 0x20 // selectors 4-5: the 16-byte TSS descriptor
	codeDesc  = 0x00af9a000000ffff
	dataDesc  = 0x00cf92000000ffff
	tssTypeAv = 0x9 // available 64-bit TSS
)

// TSS is the 64-bit task-state segment (SDM Vol. 3A, figure 8-11). Its
// 64-bit fields are not 8-byte aligned, so it is stored as 32-bit words.
type TSS struct {
	w [26]uint32
}

// SetIST sets interrupt stack table entry n (1..7) to the stack top sp.
func (t *TSS) SetIST(n int, sp uintptr) {
	i := 9 + 2*(n-1) // IST1 is at byte offset 0x24
	t.w[i] = uint32(sp)
	t.w[i+1] = uint32(sp >> 32)
}

// LoadGDT builds c's GDT with its TSS, loads it, reloads the segment
// registers and loads the task register.
func LoadGDT(c *CPULocal) {
	c.GDT[0] = 0
	c.GDT[1] = codeDesc
	c.GDT[2] = dataDesc
	c.GDT[3] = 0
	base := uint64(uintptr(unsafe.Pointer(&c.TSS)))
	limit := uint64(unsafe.Sizeof(c.TSS) - 1)
	// The TSS descriptor (SDM Vol. 3A, figure 8-4) spreads base and limit
	// over two GDT slots.
	c.GDT[4] = limit&0xffff | (base&0xffffff)<<16 | tssTypeAv<<40 | 1<<47 |
		(limit>>16&0xf)<<48 | (base>>24&0xff)<<56
	c.GDT[5] = base >> 32
	// I/O map base beyond the limit: no I/O permission bitmap.
	c.TSS.w[25] = uint32(unsafe.Sizeof(c.TSS)) << 16

	var p pseudoDescriptor
	p.set(uintptr(unsafe.Pointer(&c.GDT[0])), uint16(len(c.GDT)*8-1))
	Lgdt(uintptr(unsafe.Pointer(&p.b[0])))
	ReloadSegments(KernelCS, KernelDS)
	Ltr(TSSSel)
}

// pseudoDescriptor is the 10-byte operand of LGDT/LIDT: a 16-bit limit
// followed by a 64-bit base (SDM Vol. 3A, figure 3-11).
type pseudoDescriptor struct {
	b [10]byte
}

func (p *pseudoDescriptor) set(base uintptr, limit uint16) {
	p.b[0] = byte(limit)
	p.b[1] = byte(limit >> 8)
	for i := 0; i < 8; i++ {
		p.b[2+i] = byte(base >> (8 * i))
	}
}
