#!/bin/sh
#
# campaign.sh - every fuzz target, several jobs each, and a memory of it
#
# Usage: tests/fuzz/campaign.sh SECONDS [JOBS [WORKDIR]]
#
# For each target (tests/fuzz/fuzz-lib.sh: verify, config, calendar,
# acuse, ocsp, mime_header, registration, notification; CAMPAIGN_TARGETS to choose), one after the
# other:
#  1. libFuzzer runs for SECONDS seconds with JOBS parallel jobs (default
#     2; -jobs/-workers, sharing WORKDIR/corpus/TARGET, which is seeded
#     the first time as run-fuzz.sh seeds it and kept across campaigns).
#     Leaks are findings (detect_leaks=1), as are crashes, sanitizer
#     reports and timeouts (-timeout=20).
#  2. the grown corpus is merged and minimised (-merge=1) into a fresh
#     directory that replaces it, so the next campaign starts from the
#     smallest corpus with the same coverage.
#  3. every finding (crash-*, leak-*, timeout-*, oom-*) is minimised
#     (-minimize_crash=1, at most CAMPAIGN_MINIMIZE_SECONDS, default 60)
#     and copied to REGRESSIONS/TARGET/ (default tests/fuzz/regressions/
#     TARGET/ of the tree: commit it with the fix; `make check` replays
#     that directory under the sanitizers, tests/fuzz/replay.sh).
# At the end it prints, per target, the seconds it ran, the executions
# (summed over jobs from libFuzzer's final stats), the rate, the corpus
# size and the findings (WORKDIR/summary).
# Run it under `nice -n 19` on a shared machine, and never pause it with
# SIGSTOP: libFuzzer's -timeout is wall-clock, so the input in flight while
# stopped comes back as a false "timeout" finding.
#
# Environment: CLANG, OPENSSL, top_srcdir as run-fuzz.sh; CAMPAIGN_TARGETS
# (space separated, default all); CAMPAIGN_RUNS (stop each target after
# about this many executions, split evenly over the jobs: libFuzzer's
# -runs counts per job; SECONDS stays the upper bound); REGRESSIONS (where
# findings go); CAMPAIGN_MINIMIZE_SECONDS.
# Exit status: 0 no finding; 1 findings (listed, copied); 77 no
# libFuzzer ("SKIP: ..."); 99 build or set-up failure.

set -u

SECONDS_PER_TARGET=${1:?usage: campaign.sh SECONDS [JOBS [WORKDIR]]}
JOBS=${2:-2}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
CLANG=${CLANG:-clang}
WORK=${3:-$(mktemp -d /tmp/buzon-campaign.XXXXXX)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
. "$top_srcdir/tests/fuzz/fuzz-lib.sh"
TARGETS=${CAMPAIGN_TARGETS:-$FZ_TARGETS}
REGRESSIONS=${REGRESSIONS:-$top_srcdir/tests/fuzz/regressions}

fz_probe
# shellcheck disable=SC2086
fz_build $TARGETS
fz_setup
echo "campaign: $TARGETS, $SECONDS_PER_TARGET s each with $JOBS jobs; work in $WORK"

runs_flag=
if [ -n "${CAMPAIGN_RUNS:-}" ]; then
	runs_flag="-runs=$(( (CAMPAIGN_RUNS + JOBS - 1) / JOBS ))"
fi

found=0
: > "$WORK/summary"
for t in $TARGETS; do
	corpus=$WORK/corpus/$t
	[ -d "$corpus" ] || fz_seeds "$t" "$corpus"
	logs=$WORK/logs/$t
	rm -rf "$logs"
	mkdir -p "$logs" "$WORK/findings/$t"
	echo "== $t: $(ls "$corpus" | wc -l) inputs, $SECONDS_PER_TARGET s, $JOBS jobs"
	t0=$(date +%s)
	(cd "$logs" && ASAN_OPTIONS=detect_leaks=1 "$WORK/fuzz_$t" \
	    -jobs="$JOBS" -workers="$JOBS" -max_total_time="$SECONDS_PER_TARGET" $runs_flag \
	    -max_len=65536 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
	    -dict="$top_srcdir/tests/fuzz/$t.dict" \
	    -artifact_prefix="$WORK/findings/$t/" "$corpus" > parent.log 2>&1)
	elapsed=$(( $(date +%s) - t0 ))
	[ "$elapsed" -gt 0 ] || elapsed=1
	execs=0
	for l in "$logs"/fuzz-*.log; do
		[ -f "$l" ] || continue
		n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$l" | tail -n 1)
		execs=$((execs + ${n:-0}))
	done

	# Merge and minimise: same coverage, fewest and smallest inputs.
	rm -rf "$corpus.min"
	mkdir -p "$corpus.min"
	if (cd "$logs" && ASAN_OPTIONS=detect_leaks=0 "$WORK/fuzz_$t" -merge=1 \
	    -max_len=65536 -timeout=20 -rss_limit_mb=2048 "$corpus.min" "$corpus" \
	    > merge.log 2>&1); then
		rm -rf "$corpus"
		mv "$corpus.min" "$corpus"
	else
		echo "note: merge of $t failed (see $logs/merge.log); corpus kept as is"
		rm -rf "$corpus.min"
	fi

	# Every finding becomes a regression file.
	nf=0
	for f in "$WORK/findings/$t"/crash-* "$WORK/findings/$t"/leak-* \
	    "$WORK/findings/$t"/timeout-* "$WORK/findings/$t"/oom-*; do
		[ -f "$f" ] || continue
		case $f in *.min) continue ;; esac
		(cd "$logs" && ASAN_OPTIONS=detect_leaks=1 "$WORK/fuzz_$t" \
		    -minimize_crash=1 -runs=5000 -max_total_time="${CAMPAIGN_MINIMIZE_SECONDS:-60}" -timeout=20 \
		    -exact_artifact_path="$f.min" "$f" > "minimize-$(basename "$f").log" 2>&1)
		mkdir -p "$REGRESSIONS/$t"
		if [ -s "$f.min" ]; then
			cp "$f.min" "$REGRESSIONS/$t/$(basename "$f")"
		else
			cp "$f" "$REGRESSIONS/$t/$(basename "$f")"
		fi
		echo "FINDING: $t: $REGRESSIONS/$t/$(basename "$f")"
		nf=$((nf + 1))
	done
	found=$((found + nf))
	printf '%-12s %3s jobs %6s s %12s execs %8s exec/s %6s corpus %3s findings\n' \
	    "$t" "$JOBS" "$elapsed" "$execs" "$((execs / elapsed))" \
	    "$(ls "$corpus" | wc -l)" "$nf" | tee -a "$WORK/summary"
done

echo "== campaign summary ($WORK/summary)"
cat "$WORK/summary"
if [ $found -ne 0 ]; then
	echo "FAIL: $found finding(s), copied under $REGRESSIONS; logs in $WORK/logs"
	exit 1
fi
echo "no findings"
exit 0
