package main

// qemuConfig is everything that decides the QEMU command line.
type qemuConfig struct {
	Binary  string // QEMU executable; qemu-system-x86_64 unless a test overrides it
	Image   string // flat Multiboot image for -kernel
	Cmdline string // -append
	Mem     string // -m
	SMP     string // -smp
	CPU     string // -cpu
	Accel   string // "kvm" or "tcg"
	GDB     string // -gdb device, "" for none (gdb.go)
	// Trace is the file the kernel's trace port (COM2) is written to,
	// $GOPREEMPT_TRACE; "" leaves COM2 unconnected.
	Trace string
	// ICount is QEMU's -icount shift, $GOPREEMPT_ICOUNT: "" runs in real
	// time; "0" makes one guest instruction one nanosecond of guest time,
	// so that time measured inside the guest counts instructions, whatever
	// the host's load (TCG only; QEMU then runs the CPUs in turn on one
	// host thread).
	ICount string
	// KVMFallback is set when KVM was chosen automatically: if it cannot
	// run the kernel, the run is repeated under TCG with -cpu TCGCPU
	// (accel.go).
	KVMFallback bool
	TCGCPU      string
	// Monitor multiplexes the QEMU monitor onto the serial console
	// (-serial mon:stdio), so Ctrl-A X quits and Ctrl-A C opens the
	// monitor. Only useful when a person is typing on a terminal.
	Monitor bool
}

const qemuBinary = "qemu-system-x86_64"

// configFromEnv fills in the machine settings from $GOPREEMPT_MEM, _SMP,
// _CPU and _ACCEL, with the defaults the kernel is developed against. The
// accelerator is chosen as accel.go explains; the note, if not "", says
// why KVM is not used and is for the user.
func configFromEnv(getenv func(string) string, host kvmHost) (cfg qemuConfig, note string, err error) {
	or := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	accel, err := chooseAccel(getenv("GOPREEMPT_ACCEL"), host)
	if err != nil {
		return qemuConfig{}, "", err
	}
	return qemuConfig{
		Binary:      qemuBinary,
		Mem:         or("GOPREEMPT_MEM", "1G"),
		SMP:         or("GOPREEMPT_SMP", "1"),
		CPU:         or("GOPREEMPT_CPU", cpuModel(accel.Accel)),
		Accel:       accel.Accel,
		KVMFallback: accel.Auto,
		TCGCPU:      or("GOPREEMPT_CPU", cpuModel("tcg")),
		Trace:       getenv("GOPREEMPT_TRACE"),
		ICount:      getenv("GOPREEMPT_ICOUNT"),
	}, accel.Note, nil
}

// qemuArgs is the QEMU argument list (without the program name).
func qemuArgs(c qemuConfig) []string {
	serial := "stdio"
	if c.Monitor {
		serial = "mon:stdio"
	}
	args := []string{
		"-kernel", c.Image,
		"-append", c.Cmdline,
		// A triple fault resets the CPU; without this QEMU would reboot
		// into the kernel forever instead of exiting with status 0.
		"-no-reboot",
		"-display", "none",
		// COM1 is the kernel console; stdio lets us read it as a pipe.
		"-serial", serial,
		// No separate monitor: with -display none QEMU would otherwise
		// want to attach one to stdio as well.
		"-monitor", "none",
		// Writing V to port 0xf4 makes QEMU exit with (V<<1)|1; see
		// internal/exitstatus.
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		"-m", c.Mem,
		"-smp", c.SMP,
		"-cpu", c.CPU,
		"-accel", c.Accel,
	}
	if c.Trace != "" {
		// COM2 is the event tracer's port (trace/drain.go): a file.
		args = append(args, "-serial", "file:"+c.Trace)
	}
	if c.ICount != "" {
		args = append(args, "-icount", "shift="+c.ICount)
	}
	return append(args, gdbArgs(c.GDB)...)
}
