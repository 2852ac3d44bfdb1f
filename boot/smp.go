package boot

import (
	"sync/atomic"
	"unsafe"

	"gopreempt/acpi"
	"gopreempt/arch/amd64"
	"gopreempt/boot/cmdline"
	"gopreempt/dev/lapic"
	"gopreempt/kernel"
	"gopreempt/mm"
	"gopreempt/percpu"
)

// Bringing up the application processors (APs), from the boot CPU.
//
// The firmware's MADT (or MP table) lists the processors by local APIC
// ID. Each AP sits in "wait-for-SIPI" after reset; the boot CPU wakes one
// with an INIT IPI, a 10 ms wait, then a start-up IPI (SIPI) naming the
// trampoline page, and a second SIPI after 200 µs if the first went
// unanswered (SDM Vol. 3A, 9.4.4.1; MultiProcessor Specification 1.4,
// B.4). A SIPI to a processor that has already left wait-for-SIPI is
// ignored, so the second one cannot restart an AP that started on the
// first.
//
// APs are started one at a time and numbered in the order they come up,
// so the online CPUs are always 0..n-1 (kernel.SetCPUOnline relies on
// it). This runs before the first task exists and before the Go runtime
// starts, which reads the CPU count once, from sched_getaffinity, to size
// GOMAXPROCS. Nothing here allocates.

const (
	initDelay = 10_000_000 // ns between INIT and the first SIPI
	sipiDelay = 200_000    // ns before deciding on a second SIPI
	// apTimeout bounds the wait for an AP to finish apStart. Hardware
	// answers within microseconds (the SDM's example allows 100 ms for
	// all APs), but under emulation with more virtual CPUs than host
	// CPUs an AP's thread may wait for a host CPU. The wait ends as soon
	// as the AP checks in, so the generous bound only costs time when a
	// processor is really broken.
	apTimeout = 1_000_000_000
)

// An AP's bring-up state, indexed by local APIC ID: written by the boot
// CPU and by the AP, with atomic operations (both CPUs run at once).
const (
	apIdle      = iota
	apStarting  // boot CPU sent INIT-SIPI-SIPI
	apRunning   // the AP reached apStart and claimed its slot
	apOnline    // the AP is online and about to idle
	apNoMemory  // the AP could not get its idle task
	apAbandoned // the boot CPU gave up waiting before the AP claimed it
)

// Per-APIC-ID boot data. apStackTop is read by apEntry64 (assembly): the
// boot stack of the AP with that ID, or 0 when none is expected.
var (
	apStackTop [256]uintptr
	apStackLo  [256]uintptr
	apCPU      [256]int32
	apState    [256]atomic.Uint32
)

// The APs' stand-in g and TLS slot until their idle tasks exist (see
// apEntry64). Shared: they are only read, and all zero except apTLS[0].
var (
	apG   [128]uintptr
	apTLS [2]uintptr
)

// The boot CPU's CR4, which APs copy (smp_ap.go).
var bspCR4 uint64

// madt describes the processors, from the ACPI MADT or the MP table.
var madt acpi.MADT

// startAPs finds the processors and starts every present one, up to
// maxcpus= and kernel.MaxCPUs. The boot CPU is CPU 0.
//
// The processors are listed in the ACPI MADT, or, with acpi=off or when
// the firmware has no MADT, in the older MP table. The command line is
// read with cmdline's early readers: Parse runs later, in task context,
// and rejects a malformed line then.
func startAPs() {
	bsp := lapic.ID()
	percpu.CPULocal(0).APICID = uint64(bsp)

	limit := kernel.MaxCPUs
	maxcpus, haveMax := cmdline.EarlyInt(cmdlineArgs(), "maxcpus")
	if haveMax && maxcpus >= 1 && maxcpus < limit {
		limit = maxcpus
	}
	if !findCPUs() {
		reportOnline()
		return
	}
	m := kernel.Pr(kernel.KERN_INFO).S("smp: ").S(cpuSource).S(" lists ").U(uint64(madt.Present())).S(" CPUs")
	if madt.NIOAPIC > 0 {
		m = m.S(", I/O APIC at ").X(uint64(madt.IOAPICs[0].Addr))
	}
	m.S(", boot CPU APIC id ").U(uint64(bsp)).Emit()
	if madt.Unusable > 0 {
		kernel.Pr(kernel.KERN_INFO).S("smp: ").U(uint64(madt.Unusable)).
			S(" processor entries disabled or not addressable in xAPIC mode").Emit()
	}
	if madt.Present() <= 1 || limit == 1 {
		if limit == 1 && madt.Present() > 1 {
			kernel.Pr(kernel.KERN_INFO).S("smp: maxcpus=1: not starting the other CPUs").Emit()
		}
		reportOnline()
		return
	}
	if kernel.TSCFrequency() == 0 || !installTrampoline() {
		kernel.Pr(kernel.KERN_ERR).S("smp: no TSC calibration or page tables above 4 GiB; APs not started").Emit()
		reportOnline()
		return
	}
	apTLS[0] = uintptr(unsafe.Pointer(&apG))
	bspCR4 = amd64.ReadCR4()

	next := 1
cpus:
	for i := 0; i < madt.NCPU; i++ {
		c := madt.CPUs[i]
		switch {
		case uint32(c.APICID) == bsp:
			continue
		case !c.Enabled():
			kernel.Pr(kernel.KERN_INFO).S("smp: APIC id ").U(uint64(c.APICID)).
				S(" is online-capable but not present; CPU hot-add is not supported").Emit()
			continue
		case next >= limit:
			if limit < kernel.MaxCPUs {
				kernel.Pr(kernel.KERN_INFO).S("smp: maxcpus=").U(uint64(limit)).S(": APIC id ").
					U(uint64(c.APICID)).S(" and later not started").Emit()
			} else {
				kernel.Pr(kernel.KERN_WARNING).S("smp: more than ").U(kernel.MaxCPUs).
					S(" CPUs; APIC id ").U(uint64(c.APICID)).S(" and later not started").Emit()
			}
			break cpus
		}
		ok, stop := startAP(next, c.APICID)
		if ok {
			next++
		}
		if stop {
			break
		}
	}
	reportOnline()
}

// cpuSource names the table that madt came from, for the boot log.
var cpuSource string

// findCPUs fills madt from the MADT, or from the MP table with acpi=off
// or when there is no usable MADT (as Linux falls back). It reports
// whether either table was found.
func findCPUs() bool {
	if !cmdline.EarlyIs(cmdlineArgs(), "acpi", "off") {
		err := acpi.ReadMADT(acpi.Identity, &madt)
		if err == nil {
			cpuSource = "ACPI MADT"
			return true
		}
		kernel.Pr(kernel.KERN_WARNING).S("smp: ").S(err.Error()).S("; trying the MP table").Emit()
	} else {
		kernel.Pr(kernel.KERN_INFO).S("smp: acpi=off: reading the MP table").Emit()
	}
	f, err := acpi.ReadMPTable(acpi.Identity, &madt)
	if err != nil {
		kernel.Pr(kernel.KERN_WARNING).S("smp: ").S(err.Error()).S("; running on the boot CPU only").Emit()
		return false
	}
	cpuSource = "MP table"
	if f.Table == 0 {
		cpuSource = "MP default configuration"
	}
	return true
}

func reportOnline() {
	n := kernel.OnlineCPUs()
	unit := " CPUs online"
	if n == 1 {
		unit = " CPU online"
	}
	kernel.Pr(kernel.KERN_INFO).S("smp: ").U(uint64(n)).S(unit).Emit()
}

// startAP starts the AP with APIC ID id as CPU cpu and waits for it. It
// reports whether the AP came online, and whether bring-up must stop: an
// AP that claimed its slot but did not finish in time may still finish
// later as CPU cpu, so no other AP may be given that number.
func startAP(cpu int, id uint8) (ok, stop bool) {
	lo, hi, got := mm.AllocKernelStack()
	if !got {
		kernel.Pr(kernel.KERN_ERR).S("smp: no memory for a boot stack; stopping at ").U(uint64(cpu)).S(" CPUs").Emit()
		return false, true
	}
	apCPU[id] = int32(cpu)
	apStackLo[id] = lo
	apStackTop[id] = hi
	st := &apState[id]
	st.Store(apStarting) // an atomic store: the writes above are visible first

	// Each send with interrupts off, as the device expects (dev/lapic).
	fl := kernel.LocalIrqSave()
	lapic.SendInit(uint32(id))
	kernel.LocalIrqRestore(fl)
	delay(initDelay)
	fl = kernel.LocalIrqSave()
	lapic.SendStartup(uint32(id), sipiVector)
	kernel.LocalIrqRestore(fl)
	delay(sipiDelay)
	if st.Load() == apStarting {
		fl = kernel.LocalIrqSave()
		lapic.SendStartup(uint32(id), sipiVector)
		kernel.LocalIrqRestore(fl)
	}

	start := kernel.Nanotime()
	for st.Load() < apOnline && kernel.Nanotime()-start < apTimeout {
		amd64.Pause()
	}
	switch st.Load() {
	case apOnline:
		kernel.Pr(kernel.KERN_INFO).S("smp: CPU ").U(uint64(cpu)).S(" (APIC id ").U(uint64(id)).S(") online").Emit()
		return true, false
	case apNoMemory:
		kernel.Pr(kernel.KERN_ERR).S("smp: CPU ").U(uint64(cpu)).S(" (APIC id ").U(uint64(id)).
			S(") failed: no memory for its idle task").Emit()
		return false, true
	}
	if st.CompareAndSwap(apStarting, apAbandoned) {
		// It never reached apStart; if it ever does, it halts there.
		// Its stack stays allocated for that case.
		kernel.Pr(kernel.KERN_ERR).S("smp: CPU ").U(uint64(cpu)).S(" (APIC id ").U(uint64(id)).
			S(") failed: no answer to INIT-SIPI-SIPI").Emit()
		return false, false
	}
	kernel.Pr(kernel.KERN_ERR).S("smp: CPU ").U(uint64(cpu)).S(" (APIC id ").U(uint64(id)).
		S(") started but did not come online in time; not starting more CPUs").Emit()
	return false, true
}

// delay busy-waits ns nanoseconds on the TSC (interrupts are still off:
// no timer can be used yet).
func delay(ns uint64) {
	start := kernel.Nanotime()
	for kernel.Nanotime()-start < ns {
		amd64.Pause()
	}
}
