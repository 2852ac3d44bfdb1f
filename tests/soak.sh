#!/bin/bash
# soak.sh: run the suites that boot the kernel N times on a loaded host.
#
#   make soak N=10        (or: N=10 tests/soak.sh, from the repository root)
#
# CI runs `make test` on a two-core machine that is busy with other work,
# and a test that fails there only now and then blocks every submission.
# This script reproduces that host on purpose: it starts one busy loop per
# host core (`nproc` of them), so that QEMU's vCPU and timer threads are
# regularly starved, and then runs, N times over,
#
#   make kerneltest        the kernel-mode suites on one CPU
#   make kerneltest-smp    the kernel-mode suites on four CPUs
#   go test ./tests/system the system tests
#
# Each run's output goes to a file of its own in a temporary directory
# (its path is printed first and last). At the end the failures are
# counted per test: every `--- FAIL: TestName` line (subtests included),
# and every package that failed without naming a test (a crash, a BUG
# under panic=exit, a qemurun or go test timeout). The exit status is 0
# when nothing failed, 1 when something did, 2 for bad usage.
#
# REV=<commit> (make soak N=3 REV=HEAD) runs the suites on that commit,
# exported into the temporary directory, instead of the working tree: in
# a checkout where others are editing, the soak then measures what was
# committed and not someone's half-made change.
#
# The hogs and the running suite are this script's own children; a trap
# kills them, by their process (group) ids, however the script ends.

set -u

usage() {
	echo "usage: N=<runs, 1-1000> $0   (make soak N=<runs>)" >&2
	exit 2
}

N=${N:-3}
case $N in
'' | *[!0-9]*) echo "soak: N must be a number of runs, not '$N'" >&2; usage ;;
esac
if [ "$N" -lt 1 ] || [ "$N" -gt 1000 ]; then
	echo "soak: N=$N is out of range" >&2
	usage
fi
MAKE=${MAKE:-make}
GO=${GO:-go}

REV=${REV:-}
if [ -n "$REV" ] && ! sha=$(git rev-parse --verify --quiet "$REV^{commit}"); then
	echo "soak: REV=$REV is not a commit" >&2
	exit 2
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/gopreempt-soak.XXXXXX") || exit 1
echo "soak: $N runs under load, output in $dir"
if [ -n "$REV" ]; then
	mkdir "$dir/tree" && git archive "$sha" | tar -x -C "$dir/tree" || exit 1
	cd "$dir/tree" || exit 1
	echo "soak: testing commit $sha, exported to $dir/tree"
fi

# Job control: every background job (each hog, the running suite) is a
# process group of its own, so that the suite can be stopped with all
# its children (go test, qemurun, QEMU) by its group id.
set -m
hogs=()
suite=
stop_hogs() {
	if [ ${#hogs[@]} -gt 0 ]; then
		kill "${hogs[@]}" 2>/dev/null
		wait "${hogs[@]}" 2>/dev/null
	fi
	hogs=()
}
stop_suite() {
	if [ -n "$suite" ]; then
		kill -TERM -- "-$suite" 2>/dev/null
		wait "$suite" 2>/dev/null
	fi
	suite=
}
trap 'stop_suite; stop_hogs' EXIT
trap 'stop_suite; stop_hogs; echo "soak: interrupted, output in $dir" >&2; exit 130' INT TERM

# Build first, without load, so that a broken build is reported as such
# and not as N failed runs.
if ! $MAKE -s bin/qemurun >"$dir/build.log" 2>&1; then
	echo "soak: building qemurun failed:" >&2
	cat "$dir/build.log" >&2
	exit 1
fi

cores=$(nproc)
for _ in $(seq "$cores"); do
	( while :; do :; done ) &
	hogs+=($!)
done
echo "soak: $cores CPU hogs running (pids ${hogs[*]})"

# suite NAME: the command that runs it.
run_suite() {
	case $1 in
	kerneltest) $MAKE -s kerneltest ;;
	kerneltest-smp) $MAKE -s kerneltest-smp ;;
	# go test's default 10 minutes is too short for the system tests
	# with every core busy (one soak run at a load of 30 ran into it).
	system) $GO test -count=1 -timeout=30m ./tests/system ;;
	esac
}

suites="kerneltest kerneltest-smp system"
failed_runs=0
for i in $(seq "$N"); do
	for s in $suites; do
		log="$dir/run$i-$s.log"
		t0=$(date +%s)
		run_suite "$s" >"$log" 2>&1 &
		suite=$!
		wait "$suite"
		rc=$?
		suite=
		t1=$(date +%s)
		if [ $rc -eq 0 ]; then
			verdict=ok
		else
			verdict="FAIL (status $rc)"
			failed_runs=$((failed_runs + 1))
		fi
		echo "soak: run $i/$N $s: $verdict in $((t1 - t0)) s, load $(cut -d' ' -f1 /proc/loadavg)"
		echo "$rc" >"$log.rc"
	done
done
stop_hogs

# failures LOG SUITE: one line "SUITE TestName" per failed test, and
# "SUITE package PKG (what)" for a package that failed without a
# --- FAIL line of its own.
failures() {
	local log=$1 suite=$2
	awk -v suite="$suite" '
	/^[ \t]*--- FAIL: / {
		name = $3
		print suite " " name
		named[pkgcount]++
		next
	}
	/^panic: test timed out after/ { why = "go test timeout" }
	/qemurun: TIMEOUT/ { why = "qemurun timeout" }
	/BUG: / && why == "" { why = "BUG report" }
	/^(ok|FAIL)[ \t]+[^ \t]+[ \t]/ {
		if ($1 == "FAIL" && named[pkgcount] == 0)
			print suite " package " $2 " (" (why == "" ? "failed without a --- FAIL line" : why) ")"
		pkgcount++
		why = ""
		next
	}
	' "$log"
}

summary="$dir/failures.txt"
: >"$summary"
for f in "$dir"/run*.log; do
	s=${f##*/run}
	s=${s#*-}
	s=${s%.log}
	failures "$f" "$s" >>"$summary"
	rc=$(cat "$f.rc")
	# A run that failed but whose output names nothing still counts.
	if [ "$rc" -ne 0 ] && ! failures "$f" "$s" | grep -q .; then
		echo "$s run ${f##*/} (status $rc, nothing in the output names a test)" >>"$summary"
	fi
done

echo
if [ ! -s "$summary" ] && [ $failed_runs -eq 0 ]; then
	echo "soak: $N runs of $suites under load: no failures"
	echo "soak: output in $dir"
	exit 0
fi
echo "soak: failures per test over $N runs ($failed_runs failed suite runs):"
sort "$summary" | uniq -c | sort -rn | sed 's/^/  /'
echo "soak: the failed runs' logs:"
for f in "$dir"/run*.log; do
	[ "$(cat "$f.rc")" -ne 0 ] && echo "  $f"
done
echo "soak: output in $dir"
exit 1
