#!/bin/bash
# debug.sh: boot a kernel ELF under QEMU's gdbstub and start gdb on it.
#
#   gdb/debug.sh [gdb options --] KERNEL.elf [program args...]
#   make debug                                  (the demo)
#   make debug PKG=./kernel RUN=TestX           (one kernel-mode test)
#
# This is what `make debug` runs (docs/debugging.md). bin/qemurun boots
# the kernel with -gdb on a Unix socket in a fresh temporary directory, so
# that two sessions, or a session and the gdb system test, never meet on
# one TCP port; the machine waits at the reset vector. gdb is then started
# on the same ELF, which holds the kernel's symbols and DWARF at the
# addresses the machine uses (linked at 0x400000, physical = virtual),
# loads the Go runtime's gdb helpers and gopreempt's own commands
# (gdb/gopreempt-gdb.py), and connects. `continue` boots.
#
# The kernel's console is this terminal, as with make run. Ctrl-C stops
# the machine in gdb (qemurun leaves SIGINT to the debugger). When gdb
# exits, whether the machine is stopped, running or already ended, the
# run is ended too, and the script exits with gdb's status.
#
# Environment: QEMURUN (bin/qemurun), GDB (gdb), and what qemurun reads
# (GOPREEMPT_CMDLINE, GOPREEMPT_SMP, ...). Exit status: gdb's; 2 for bad
# usage; 126 when QEMU did not open its gdbstub within 60 s (qemurun's
# own status when it failed before that).

set -u

usage() {
	echo "usage: $0 [gdb options --] KERNEL.elf [program args...]" >&2
	exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
qemurun=${QEMURUN:-$here/../bin/qemurun}
gdb=${GDB:-gdb}

# gdb options, if any, start with a dash and end at --.
gdbflags=()
if [[ ${1:-} == -* ]]; then
	while (($#)) && [[ $1 != -- ]]; do
		gdbflags+=("$1")
		shift
	done
	(($#)) || usage
	shift
fi
(($# >= 1)) || usage
elf=$1
shift
[[ -f $elf ]] || {
	echo "$0: $elf: no such kernel ELF (make build, or make debug)" >&2
	exit 2
}
[[ -x $qemurun ]] || {
	echo "$0: $qemurun not built (make bin/qemurun)" >&2
	exit 2
}
command -v "$gdb" >/dev/null || {
	echo "$0: $gdb not found (make deps-gdb installs it)" >&2
	exit 2
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/gopreempt-gdb.XXXXXX")
sock=$dir/gdb.sock
qpid=
cleanup() {
	if [[ -n $qpid ]] && kill -0 "$qpid" 2>/dev/null; then
		kill -TERM "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
	fi
	rm -rf "$dir"
}
trap cleanup EXIT

"$qemurun" -gdb "$sock" "$elf" "$@" &
qpid=$!

# QEMU creates the socket as it starts; qemurun first converts the image.
for ((i = 0; i < 600; i++)); do
	[[ -S $sock ]] && break
	if ! kill -0 "$qpid" 2>/dev/null; then
		wait "$qpid"
		status=$?
		qpid=
		echo "$0: qemurun ended (status $status) before QEMU opened its gdbstub" >&2
		exit "$status"
	fi
	sleep 0.1
done
[[ -S $sock ]] || {
	echo "$0: QEMU did not open its gdbstub at $sock within 60 s" >&2
	exit 126
}

# The Go runtime's helpers (pretty-printers for strings, slices and maps,
# info goroutines) are named in the ELF's .debug_gdb_scripts section;
# gdb loads them only from a path it is told is safe.
goroot=$(go env GOROOT 2>/dev/null) || goroot=
safe=()
[[ -n $goroot ]] && safe=(-iex "add-auto-load-safe-path $goroot/src/runtime/runtime-gdb.py")

"$gdb" -q "${safe[@]}" \
	-ex 'set architecture i386:x86-64' \
	-ex "source $here/gopreempt-gdb.py" \
	-ex "target remote $sock" \
	"${gdbflags[@]}" "$elf"
