package linux

import (
	"gopreempt/arch/amd64"
	"gopreempt/kernel"
)

// The rest: identity, limits, randomness.

func sysZero(f *amd64.TrapFrame) int64 { return 0 }

// prctl: PR_SET_NAME names the task; PR_SET_VMA (the runtime names its
// mappings) is not supported, which the runtime expects on older kernels.
func sysPrctl(f *amd64.TrapFrame) int64 {
	const PR_SET_NAME = 15
	if f.RDI == PR_SET_NAME {
		var b [16]byte
		if !copyFromUser(b[:], uintptr(f.RSI)) {
			return -EFAULT
		}
		t := kernel.Current()
		for i := range t.Name {
			t.Name[i] = 0
		}
		for i := 0; i < 15 && b[i] != 0; i++ {
			t.Name[i] = b[i]
		}
		return 0
	}
	return -EINVAL
}

// prlimit64(pid, resource, new, old): RLIMIT_NOFILE is the size of the
// file table; the rest are unlimited. A new limit is accepted and
// ignored.
func sysPrlimit64(f *amd64.TrapFrame) int64 {
	const RLIMIT_NOFILE = 7
	if old := uintptr(f.R10); old != 0 {
		cur, max := ^uint64(0), ^uint64(0)
		if f.RSI == RLIMIT_NOFILE {
			cur, max = maxFiles, maxFiles
		}
		if !putUser64(old, cur) || !putUser64(old+8, max) {
			return -EFAULT
		}
	}
	return 0
}

// uname: struct utsname is six 65-byte strings.
func sysUname(f *amd64.TrapFrame) int64 {
	b, ok := userSlice(uintptr(f.RDI), 6*65, true)
	if !ok {
		return -EFAULT
	}
	for i := range b {
		b[i] = 0
	}
	fields := [6]string{"Linux", "gopreempt", "6.0.0-gopreempt", "#1 PREEMPT", "x86_64", "(none)"}
	for i, s := range fields {
		copy(b[i*65:i*65+64], s)
	}
	return 0
}

// getrandom: an xorshift generator seeded from the TSC. Not for
// cryptography; the runtime only seeds its hash functions with it.
var rngState uint64

func sysGetrandom(f *amd64.TrapFrame) int64 {
	const GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE = 1, 2, 4
	if f.RDX&^(GRND_NONBLOCK|GRND_RANDOM|GRND_INSECURE) != 0 {
		return -EINVAL
	}
	n := min(f.RSI, 1<<25-1) // Linux returns at most 32 MiB - 1 at a time
	b, ok := userSlice(uintptr(f.RDI), int(n), true)
	if !ok {
		return -EFAULT
	}
	for i := range b {
		b[i] = byte(nextRandom())
	}
	return int64(len(b))
}

func nextRandom() uint64 {
	if rngState == 0 {
		rngState = amd64.Rdtsc() | 1
	}
	x := rngState
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	rngState = x
	return x
}

// FillRandom fills b from the same generator (for AT_RANDOM at boot).
func FillRandom(b []byte) {
	for i := range b {
		b[i] = byte(nextRandom() >> 11)
	}
}

// Init prepares the file table and the system call table.
func Init() {
	setupFiles()
	SetupTable()
}

// InitDevices wires the devices behind files (after the interrupt
// controllers are up).
func InitDevices() { enableConsoleInput() }
