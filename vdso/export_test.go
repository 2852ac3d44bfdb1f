package vdso

import (
	"sync/atomic"

	"gopreempt/mm"
)

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

// SeqWrite advances the data page's seq by one, as the writer does at
// the start (odd) and at the end (even) of a change.
func SeqWrite() { atomic.AddUint32(&vvar().seq, 1) }
