package vdso

import (
	"sync/atomic"
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/internal/addr"
	"gopreempt/kernel"
)

// The data page (Linux's vvar page and its struct vdso_data,
// include/vdso/datapage.h): what the vDSO's code needs to compute the
// kernel's clock, written by the kernel, read by the vDSO.
//
// Linux's page carries, per clock base, the time at the last tick and
// the TSC then (cycle_last), and the tick rewrites it, because its
// timekeeper accumulates time every tick and NTP may change mult at any
// tick, and because its delta * mult must fit in 64 bits. This kernel's
// clock is one linear function of the TSC, fixed at boot (kernel/
// clock.go): cycle_last is the TSC at boot, basetime is 0 for the
// monotonic clocks and the boot time for the wall clock, and the vDSO
// multiplies in 128 bits, which cannot overflow however long ago
// cycle_last was. So the page changes only when the clock's parameters
// do, through kernel.UpdateVsyscall; the tick has nothing to refresh.
//
// The seqlock (include/linux/seqlock.h, write_seqcount_begin/end): the
// writer makes seq odd, writes, makes it even; a reader that saw an odd
// seq, or a different seq after its reads, reads again. Writers are
// serialized by lock; each increment is an atomic add, a full barrier on
// x86, so the field stores stay between them.
type vdsoData struct {
	seq        uint32   // odd while the kernel writes
	getcpuMode uint32   // 1: RDTSCP returns TSC_AUX, set per CPU (getcpu.go)
	cycleLast  uint64   // the TSC at which basetime holds
	mult       uint64   // ns per TSC tick, << shift
	shift      uint32   // kernel.ClockShift
	_          uint32   // padding: basetime is 8-byte aligned
	basetime   [2]int64 // ns at cycleLast: [0] CLOCK_MONOTONIC and friends, [1] CLOCK_REALTIME
}

// The code was assembled for these offsets (cmd/mkvdso/text.go): a
// mismatch is a compile error here.
var (
	_ = [1]struct{}{}[unsafe.Offsetof(vdsoData{}.seq)-codeVvarSeq]
	_ = [1]struct{}{}[unsafe.Offsetof(vdsoData{}.getcpuMode)-codeVvarGetcpuMode]
	_ = [1]struct{}{}[unsafe.Offsetof(vdsoData{}.cycleLast)-codeVvarCycleLast]
	_ = [1]struct{}{}[unsafe.Offsetof(vdsoData{}.mult)-codeVvarMult]
	_ = [1]struct{}{}[unsafe.Offsetof(vdsoData{}.shift)-codeVvarShift]
	_ = [1]struct{}{}[unsafe.Offsetof(vdsoData{}.basetime)-codeVvarBasetime]
)

var (
	vvarPA   uint64 // the data page's frame, reached through the identity map
	vvarLock amd64.RawLock
)

func vvar() *vdsoData { return (*vdsoData)(addr.Ptr(uintptr(vvarPA))) }

// UpdateVsyscall copies the kernel's clock parameters into the data page
// (Linux's update_vsyscall). It is kernel.UpdateVsyscall (boot/hooks.go
// installs it); it may run with interrupts off and before the runtime
// starts: no allocation. Until Init has mapped the data page there is
// nothing to update: Init copies the parameters once it has.
func UpdateVsyscall() {
	if vvarPA == 0 {
		return
	}
	tsc0, mult, bootReal := kernel.ClockParams()
	fl := vvarLock.Lock()
	d := vvar()
	atomic.AddUint32(&d.seq, 1) // odd: readers wait
	d.cycleLast = tsc0
	d.mult = mult
	d.shift = kernel.ClockShift
	d.basetime[0] = 0
	d.basetime[1] = bootReal
	atomic.AddUint32(&d.seq, 1) // even: readers may use what they read
	vvarLock.Unlock(fl)
}
