package vdso

import "gopreempt/mm"

// What the kernel-mode tests need from inside the package.

var Call2 = call2

// Function addresses in the mapped image.
var (
	ClockGettime = func() uintptr { return base + symVdsoClockGettime }
	Gettimeofday = func() uintptr { return base + symVdsoGettimeofday }
	Time         = func() uintptr { return base + symVdsoTime }
	Getcpu       = func() uintptr { return base + symVdsoGetcpu }
)

// DataPage is the data page's address in the mapping.
func DataPage() uintptr { return base - mm.PageSize }

// SetGetcpuMode changes the data page's getcpuMode (through the kernel's
// writable alias) and returns the old one.
func SetGetcpuMode(m uint32) uint32 {
	old := vvar().getcpuMode
	vvar().getcpuMode = m
	return old
}
