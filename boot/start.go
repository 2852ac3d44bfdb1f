// Package boot starts the machine: it is where the Multiboot loader's jump
// lands (entry_amd64.s), and it brings up, in order, the console, memory,
// the CPU's descriptor tables and SYSCALL, the scheduler's first tasks,
// the timer, and finally the Go runtime itself, entered the way Linux
// enters a new program: at _rt0_amd64_linux with argc, argv, envp and an
// auxiliary vector on the stack.
//
// A program becomes a gopreempt kernel by importing this package and being
// linked with -ldflags='-E=gopreempt/boot.entry32 -T=0x400000' (the
// Makefile and the test harness do this).
//
// Until the runtime starts, no Go package has been initialized: the code
// here and everything it calls uses only statically initialized data and
// must not allocate.
package boot

import (
	"unsafe"

	"gopreempt/arch/amd64"
	"gopreempt/console"
	"gopreempt/dev/lapic"
	"gopreempt/fpu"
	"gopreempt/kernel"
	"gopreempt/linux"
	"gopreempt/mm"
	"gopreempt/percpu"
	"gopreempt/rtc"
	"gopreempt/vdso"
)

const bootStackSize = 256 << 10

// The boot CPU's first stack, TLS slot and stand-in g (see entry64).
var (
	bootStack [bootStackSize]byte
	bootG     [128]uintptr //lint:ignore U1000 used by entry64
	bootTLS   [2]uintptr   //lint:ignore U1000 used by entry64
)

// booted is set once start runs: it tells this package's init that it
// runs on gopreempt and not as an ordinary Linux program (host tests).
var booted bool

//lint:ignore U1000 the ELF entry point (the linker's -E flag)
func entry32()

//lint:ignore U1000 entry32 jumps to it
func entry64()

func rt0Addr() uintptr
func imageEnd() uintptr

// start is the first Go function to run, on the boot stack.
//
//lint:ignore U1000 called from entry_amd64.s
func start(magic, info uintptr) {
	booted = true
	console.Init()
	kernel.Pr(kernel.KERN_INFO).S("").Emit()
	kernel.Pr(kernel.KERN_INFO).S("gopreempt: a preemptible teaching kernel, in Go").Emit()
	if magic != multibootMagic {
		kernel.Pr(kernel.KERN_EMERG).S("boot: not started by a Multiboot loader (magic ").X(uint64(magic)).S(")").Emit()
		kernel.PanicEnd(kernel.EndOops)
	}
	readMultiboot(info)
	checkMemorySize()
	checkCmdlineLength()
	initMemory()
	initCPU(percpu.CPULocal(0), 0)
	fpu.BootInit() // XCR0 = x87|SSE before the Go runtime reads it (fpu/init.go)

	lo := uintptr(unsafe.Pointer(&bootStack[0]))
	if kernel.NewIdleTask(0, lo, lo+bootStackSize) == nil {
		kernel.Pr(kernel.KERN_EMERG).S("boot: no memory for the idle task").Emit()
		kernel.PanicEnd(kernel.EndOutOfMemory)
	}
	installHooks()
	linux.Init()
	kernel.InitIRQBootCPU(kernel.HZ)
	linux.InitDevices()
	kernel.SetBootRealtime(rtc.Read().Unix() * 1e9)
	vdso.Init() // after the clock is set: the data page copies it
	banner()
	// The APs must be online before the first task: the Go runtime
	// sizes GOMAXPROCS from sched_getaffinity once, as it starts.
	startAPs()

	sp := buildInitStack()
	if kernel.NewEntryTask("init", rt0Addr(), sp) == nil {
		kernel.Pr(kernel.KERN_EMERG).S("boot: cannot create the first task").Emit()
		kernel.PanicEnd(kernel.EndOutOfMemory)
	}
	amd64.Sti()
	kernel.RunIdle()
}

// initMemory gives the RAM of the memory map to the frame allocator,
// minus what is in use: the first megabyte (BIOS data, the boot page
// tables at 0x70000, the AP trampoline), the kernel image, and the
// Multiboot structures the loader put after it. Then it protects the
// kernel's memory (mm/protect.go): from here on nothing is mapped below
// 64 KiB, kernel text is read-only and nothing else is executable.
func initMemory() {
	mm.Init()
	var top uint64
	for i := 0; i < bootInfo.nregions; i++ {
		r := bootInfo.regions[i]
		if r.typ != 1 {
			continue
		}
		kernel.Pr(kernel.KERN_DEBUG).S("memory: RAM ").X(r.base).S("-").X(r.base + r.length).Emit()
		mm.AddFree(r.base, r.base+r.length)
		if r.base+r.length > top {
			top = r.base + r.length
		}
	}
	end := uint64(imageEnd())
	if bootInfo.infoEnd > end {
		end = bootInfo.infoEnd
	}
	mm.Reserve(0, 1<<20)
	mm.Reserve(1<<20, end)
	if top > 4<<30 && !mm.ExtendIdentityMap(top) {
		kernel.Pr(kernel.KERN_WARNING).S("boot: could not map RAM above 4 GiB").Emit()
	}
	mm.MarkUncached(0xfec00000, 0xfee01000) // I/O APIC and local APIC registers
	memTop = top
	if why := mm.ProtectKernel(); why != "" {
		// Out of frames this early, or an image the linker laid out
		// differently: either way nothing would be protected.
		kernel.Pr(kernel.KERN_EMERG).S("boot: cannot protect kernel memory: ").S(why).Emit()
		kernel.PanicEnd(kernel.EndOops)
	}
	img, _ := mm.Image()
	tlo, thi := img.TextPages()
	kernel.Pr(kernel.KERN_INFO).S("memory: nothing mapped below ").X(mm.MmapMinAddr).S(", text ").
		X(uint64(tlo)).S("-").X(uint64(thi)).S(" read-only, everything else not executable").Emit()
}

var memTop uint64

// initCPU sets up one CPU's page protection, GS base, GDT, TSS with IST
// stacks, IDT and SYSCALL MSRs.
func initCPU(c *amd64.CPULocal, id int) {
	c.ID = uint64(id)
	mm.InitCPU() // CR0.WP and EFER.NXE: page protection holds on this CPU
	amd64.InstallCPULocal(c)
	for n := 1; n <= amd64.ISTCount; n++ {
		_, hi, ok := mm.AllocISTStack()
		if !ok {
			kernel.Pr(kernel.KERN_EMERG).S("boot: no memory for IST stacks").Emit()
			kernel.PanicEnd(kernel.EndOutOfMemory)
		}
		c.ISTTop[n] = hi
		c.TSS.SetIST(n, hi)
	}
	amd64.LoadGDT(c)
	if id == 0 {
		amd64.BuildIDT()
	}
	amd64.LoadIDT()
	amd64.EnableSyscall()
	vdso.SetupGetcpu(id) // IA32_TSC_AUX = the CPU number, for __vdso_getcpu
}

// banner prints what was found: CPU, memory, command line.
func banner() {
	var brand [48]byte
	for i := uint32(0); i < 3; i++ {
		a, b, c, d := amd64.Cpuid(0x80000002+i, 0)
		for j, w := range [4]uint32{a, b, c, d} {
			for k := 0; k < 4; k++ {
				brand[i*16+uint32(j)*4+uint32(k)] = byte(w >> (8 * k))
			}
		}
	}
	n := 0
	for n < len(brand) && brand[n] != 0 {
		n++
	}
	free, total := mm.FreeFrames()
	kernel.Pr(kernel.KERN_INFO).S("cpu: ").B(brand[:n]).Emit()
	kernel.Pr(kernel.KERN_INFO).S("cpu: TSC ").U(kernel.TSCFrequency() / 1000).S(" kHz, local APIC timer ").
		U(lapic.TimerHz / 1000).S(" kHz, HZ=").U(uint64(kernel.HZ)).Emit()
	kernel.Pr(kernel.KERN_INFO).S("memory: ").U(total * mm.PageSize >> 20).S(" MiB usable, ").
		U(free * mm.PageSize >> 20).S(" MiB free, top of RAM ").X(memTop).Emit()
	kernel.Pr(kernel.KERN_INFO).S("command line: ").B(cmdlineArgs()).Emit()
}

// Booted reports whether this program was started by the gopreempt boot
// code (false when it runs as an ordinary Linux process).
func Booted() bool { return booted }
