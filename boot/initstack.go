package boot

import (
	"gopreempt/boot/cmdline"
	"gopreempt/internal/addr"
	"gopreempt/kernel"
	"gopreempt/linux"
	"gopreempt/mm"
	"gopreempt/vdso"
)

// The first task's stack, as Linux builds it for a new program (the
// System V x86-64 psABI, 3.4.1, "Initial Stack and Register State"):
//
//	SP ->  argc
//	       argv[0] ... argv[argc-1], NULL
//	       envp[0] ... NULL
//	       auxv: (type, value) pairs ending with AT_NULL
//	       ... the strings and AT_RANDOM's 16 bytes, higher up
//
// The Go runtime reads argc and argv (runtime.args), finds auxv after the
// environment, and needs AT_PAGESZ (or it throws "failed to get system
// page size") and AT_RANDOM (or it tries /dev/urandom). It carves m0's g0
// stack (64 KiB) out of this stack, so the stack is 1 MiB, demand-paged.
//
// The kernel command line reaches the program through the environment
// (GOPREEMPT_CMDLINE); this package's init parses it in task context,
// where rejecting a bad one can use fmt, and turns it into os.Args.
const (
	initStackSize = 1 << 20

	AT_NULL   = 0
	AT_PAGESZ = 6
	AT_CLKTCK = 17
	AT_SECURE = 23
	AT_RANDOM = 25

	AT_SYSINFO_EHDR = 33 // the vDSO's ELF header (vdso/vdso.go); 0 without one, which the runtime ignores
)

type stackBuilder struct {
	top, sp uintptr
}

func (b *stackBuilder) pushBytes(s []byte) uintptr {
	b.sp -= uintptr(len(s)) + 1
	d := (*[1 << 20]byte)(addr.Ptr(b.sp))
	copy(d[:len(s)], s)
	d[len(s)] = 0
	return b.sp
}

func (b *stackBuilder) pushString(s string) uintptr {
	b.sp -= uintptr(len(s)) + 1
	d := (*[1 << 20]byte)(addr.Ptr(b.sp))
	copy(d[:len(s)], s)
	d[len(s)] = 0
	return b.sp
}

func (b *stackBuilder) pushWord(v uint64) {
	b.sp -= 8
	*(*uint64)(addr.Ptr(b.sp)) = v
}

func buildInitStack() uintptr {
	base, e := mm.Map(0, initStackSize, mm.PROT_READ|mm.PROT_WRITE, false)
	if e != 0 {
		kernel.Pr(kernel.KERN_EMERG).S("boot: cannot map the first stack").Emit()
		kernel.PanicEnd(kernel.EndOutOfMemory)
	}
	b := stackBuilder{top: base + initStackSize, sp: base + initStackSize}

	argv0 := b.pushString("/gopreempt")
	env1 := b.pushString("HOME=/")
	env2 := b.pushBytes(append2(envCmdline, cmdlineArgs()))
	var rnd [16]byte
	linux.FillRandom(rnd[:])
	b.sp -= 16
	random := b.sp
	copy((*[16]byte)(addr.Ptr(random))[:], rnd[:])

	b.sp &^= 15
	// 2 auxv words each x 6 + envp(3) + argv(2) + argc = 18 words: SP
	// stays 16-byte aligned at argc, as the ABI requires.
	for _, kv := range [6][2]uint64{{AT_NULL, 0}, {AT_SYSINFO_EHDR, uint64(vdso.SysinfoEhdr())}, {AT_SECURE, 0}, {AT_CLKTCK, 100}, {AT_RANDOM, uint64(random)}, {AT_PAGESZ, mm.PageSize}} {
		b.pushWord(kv[1])
		b.pushWord(kv[0])
	}
	b.pushWord(0)
	b.pushWord(uint64(env2))
	b.pushWord(uint64(env1))
	b.pushWord(0)
	b.pushWord(uint64(argv0))
	b.pushWord(1) // argc
	return b.sp
}

// envCmdline names the environment variable that carries the command
// line to boot's init.
const envCmdline = "GOPREEMPT_CMDLINE="

// append2 joins a prefix and bytes into a fixed buffer (no allocation:
// the runtime is not running yet), big enough for the longest command
// line the kernel accepts.
var envBuf [len(envCmdline) + cmdline.MaxLen]byte

func append2(prefix string, s []byte) []byte {
	n := copy(envBuf[:], prefix)
	n += copy(envBuf[n:], s)
	return envBuf[:n]
}
