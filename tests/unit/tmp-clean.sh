#!/bin/sh
#
# tmp-clean.sh - a unit-test run leaves the temporary directory as it found it
#
# Issue 14: run-unit used to leave one /tmp/buzon-unit.* directory per
# forked test (about 300 a run). It now makes its directories under
# $TMPDIR and removes them at the end. This runs the suites that write
# temporary files (SUITES overrides the list) with TMPDIR pointing at a
# private empty directory, and fails when anything is left in it or when
# TMPDIR is not used at all. The
# suites' own results are reported by their own TESTS entries; here only
# what stays behind counts.

set -u
: "${top_builddir:?}"
RUN=$top_builddir/tests/unit/run-unit
[ -x "$RUN" ] || { echo "SKIP: $RUN not built (no Check)"; exit 77; }
: "${SUITES:=config calendar store outbox spool runtime receipt}"
base=$(mktemp -d "${TMPDIR:-/tmp}/buzon-tmp-clean.XXXXXX") || exit 99
trap 'rm -rf "$base"' EXIT
mkdir "$base/tmp" || exit 99
fail=0

# TMPDIR is honoured: where no directory can be made, the run stops (99)
# before any test, rather than writing to /tmp instead.
TMPDIR=$base/missing "$RUN" reason >"$base/out" 2>&1
status=$?
if [ "$status" -ne 99 ] || ! grep -q "$base/missing/buzon-unit" "$base/out"; then
	echo "FAIL: TMPDIR=$base/missing: exit $status, want 99 naming it"
	tail -n 5 "$base/out"
	fail=1
else
	echo "ok: an unusable TMPDIR stops the run: $(head -n 1 "$base/out")"
fi

for suite in $SUITES; do
	TMPDIR=$base/tmp "$RUN" "$suite" >"$base/out" 2>&1
	status=$?
	left=$(ls -A "$base/tmp")
	if [ -n "$left" ]; then
		echo "FAIL: suite $suite (exit $status) left in TMPDIR: $(echo $left)"
		tail -n 5 "$base/out"
		rm -rf "$base/tmp" && mkdir "$base/tmp"
		fail=1
	else
		echo "ok: suite $suite (exit $status) left TMPDIR empty"
	fi
done
exit $fail
