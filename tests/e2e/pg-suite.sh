#!/bin/bash
# pg-suite - end-to-end tests run again with the store on PostgreSQL
#
# Each test of the list below runs as written, with E2E_DATABASE=pg:
# tests/e2e/lib.sh then starts a throwaway PostgreSQL cluster for it
# (tests/pg/pg-cluster.sh) and makes it the daemon's Database (issue 15:
# the same behaviour on both backends). Left out: the tests that are about
# SQLite itself (store-failure.sh locks the file, crash-safety.sh and
# acuse-sign-crash.sh read it with SQLite's own functions, repeat-spool.sh
# is about the spool directory's copies) and those about Postfix or
# Sendmail plumbing that never reach the store.
#
# Three tests run at a time (PG_SUITE_JOBS; they mostly wait on Postfix:
# about 4.5 minutes for the nine under sanitizers on two busy cores). Each
# one's output goes to pg-suite.d/NAME.log next to this test's log, and is
# printed here when it fails. Every test that fails is named; the suite
# fails if any failed, skips (77) if every test skipped (no PostgreSQL
# server installed). Interrupted, it stops the running tests (each one's
# EXIT trap stops its Postfix, daemon and cluster).
# PG_SUITE_TESTS="a.sh b.sh" runs another list (names under tests/e2e).
#
# One test alone: E2E_DATABASE=pg make check TESTS=tests/e2e/NAME.sh
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

# the longest first, so that the last ones to finish are short
TESTS_PG=${PG_SUITE_TESTS:-"
	notification-open.sh
	consulta.sh
	registration.sh
	notification.sh
	repeat-interactions.sh
	submission-rejected.sh
	submission-accepted.sh
	outbox-smtp.sh
	forged-header.sh
"}
jobs=${PG_SUITE_JOBS:-3}
logdir=$top_builddir/tests/e2e/pg-suite.d
rm -rf "$logdir"
mkdir -p "$logdir" || exit 99

declare -A PIDS=()	# pid -> test name
declare -A STATUS=()	# test name -> exit status
declare -A STARTED=()	# test name -> $SECONDS at start

# stop_all - interrupted: TERM the running tests by PID and wait for them
stop_all()
{
	trap '' INT TERM HUP
	[ "${#PIDS[@]}" -eq 0 ] || kill -TERM "${!PIDS[@]}" 2>/dev/null
	wait
	exit 99
}
trap stop_all INT TERM HUP

# reap - wait for one test to finish and record its status
reap()
{
	local pid name status
	wait -n -p pid "${!PIDS[@]}"
	status=$?
	name=${PIDS[$pid]}
	unset 'PIDS[$pid]'
	STATUS[$name]=$status
	echo "[$(date -u +%H:%M:%S)] $name: exit $status ($((SECONDS - STARTED[$name])) s)"
}

for t in $TESTS_PG; do
	while [ "${#PIDS[@]}" -ge "$jobs" ]; do
		reap
	done
	[ -f "$top_srcdir/tests/e2e/$t" ] || { echo "ERROR: no tests/e2e/$t"; exit 99; }
	STARTED[$t]=$SECONDS
	E2E_DATABASE=pg bash "$top_srcdir/tests/e2e/$t" >"$logdir/${t%.sh}.log" 2>&1 &
	PIDS[$!]=$t
done
while [ "${#PIDS[@]}" -gt 0 ]; do
	reap
done

failed=() skipped=() passed=()
for t in $TESTS_PG; do
	case ${STATUS[$t]} in
	0) passed+=("$t") ;;
	77) skipped+=("$t") ;;
	*) failed+=("$t") ;;
	esac
done
for t in ${failed[@]+"${failed[@]}"}; do
	echo "==== $t (exit ${STATUS[$t]}) on PostgreSQL: last 80 lines of its log ===="
	tail -n 80 "$logdir/${t%.sh}.log"
done
echo "PostgreSQL mode: ${#passed[@]} passed, ${#skipped[@]} skipped${skipped[*]:+ (${skipped[*]})}," \
    "${#failed[@]} failed${failed[*]:+ (${failed[*]})}"
if [ "${#failed[@]}" -gt 0 ]; then
	for t in "${failed[@]}"; do
		echo "FAIL: $t on PostgreSQL"
	done
	exit 1
fi
if [ "${#passed[@]}" -eq 0 ]; then
	echo "SKIP: $(grep -h -m1 '^SKIP:' "$logdir"/*.log | head -n 1)"
	exit 77
fi
exit 0
