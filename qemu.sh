#!/usr/bin/env bash
# Boot an already-built gopreempt Multiboot image (see cmd/mkimage) in QEMU
# and exit with the status the kernel reports.
#
#   ./qemu.sh IMAGE [kernel command line...]
#
# Overridable: QEMU_SMP (1), QEMU_MEM (1G), QEMU_ACCEL (kvm when /dev/kvm
# opens read-write and the CPU has vmx or svm, else tcg), QEMU_CPU (host
# under KVM, max under TCG). The serial console is on stdio
# with the QEMU monitor multiplexed in: Ctrl-A X quits, Ctrl-A C toggles
# the monitor. QEMU_DEBUG_EXIT=off leaves out the debug-exit device: the
# kernel can then report no status, and a machine that panic=halt stopped
# stays for the monitor instead of ending QEMU with "halted" (116). For
# tests and timeouts use bin/qemurun instead.
set -euo pipefail

if (($# < 1)); then
	echo "usage: $0 IMAGE [kernel command line...]" >&2
	exit 2
fi
image=$1
shift

# The accelerator, by bin/qemurun's rule (cmd/qemurun/accel.go): KVM only
# when /dev/kvm opens read-write (QEMU opens it O_RDWR; -accel kvm is fatal
# otherwise) and the CPU flags name hardware virtualization. A software
# KVM opens fine but cannot run the kernel. Unlike qemurun, this script
# does not rerun under TCG when KVM fails.
accel=${QEMU_ACCEL:-}
if [[ -z $accel ]]; then
	accel=tcg
	if [[ -r /dev/kvm && -w /dev/kvm ]]; then
		if grep -Eq '^flags[[:space:]]*:(.*[[:space:]])?(vmx|svm)([[:space:]]|$)' /proc/cpuinfo 2>/dev/null; then
			accel=kvm
		else
			echo "qemu.sh: /dev/kvm is a software KVM (no vmx/svm CPU flag); using TCG" >&2
		fi
	elif [[ -e /dev/kvm ]]; then
		echo "qemu.sh: /dev/kvm cannot be opened read-write; using TCG" >&2
	fi
fi
# Under KVM a model KVM accepts (host); under TCG everything TCG emulates.
cpu=${QEMU_CPU:-max}
if [[ $accel == kvm && -z ${QEMU_CPU:-} ]]; then cpu=host; fi

# -no-reboot turns a triple fault into a plain exit 0 instead of an
# endless reboot loop; isa-debug-exit makes a write of V to port 0xf4
# exit QEMU with status (V<<1)|1 (internal/exitstatus).
# QEMU's stderr is kept aside so its errors can be recognised below.
errlog=$(mktemp)
trap 'rm -f "$errlog"' EXIT
status=0
debugexit=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
if [[ ${QEMU_DEBUG_EXIT:-on} == off ]]; then debugexit=(); fi
qemu-system-x86_64 \
	-kernel "$image" -append "$*" \
	-no-reboot -display none -serial mon:stdio \
	"${debugexit[@]}" \
	-m "${QEMU_MEM:-1G}" -smp "${QEMU_SMP:-1}" -cpu "$cpu" \
	-accel "$accel" 2>"$errlog" || status=$?
cat "$errlog" >&2

# Decode as internal/exitstatus does. QEMU's own errors exit 1 too, which
# would read as the kernel reporting 0; a guest report prints nothing on
# stderr, so anything there besides warnings means QEMU failed.
if ((status == 1)) && grep -qv -e 'warning:' -e '^[[:space:]]*$' "$errlog"; then
	echo "qemu.sh: qemu-system-x86_64 failed" >&2
	exit 126
elif ((status == 0)); then
	echo "qemu.sh: kernel stopped without reporting a status (triple fault or reset)" >&2
	exit 125
elif ((status % 2 == 0)); then
	echo "qemu.sh: qemu-system-x86_64 failed (exit status $status)" >&2
	exit 126
fi
v=$((status >> 1))
case $v in
112) echo "qemu.sh: kernel oops: CPU exception in kernel code" >&2 ;;
113) echo "qemu.sh: kernel BUG: a debug check fired under panic=exit" >&2 ;;
114) echo "qemu.sh: kernel out of memory" >&2 ;;
115) echo "qemu.sh: malformed kernel command line" >&2 ;;
116) echo "qemu.sh: kernel halted (panic=halt)" >&2 ;;
117) echo "qemu.sh: too little RAM for the kernel to boot (QEMU_MEM)" >&2 ;;
esac
exit "$v"
