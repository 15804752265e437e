#!/bin/sh
#
# run-fuzz.sh - build one libFuzzer target and run it for a bounded time
#
# Usage: tests/fuzz/run-fuzz.sh SECONDS [WORKDIR [TARGET]]
#
# TARGET (default verify) is one of tests/fuzz/fuzz_TARGET.c: verify
# (parse-and-verify), config, calendar, acuse, ocsp, mime_header,
# registration, notification, apertura. It is
# built with clang -fsanitize=fuzzer,address,undefined from every core/*.c
# (tests/fuzz/fuzz-lib.sh), the test PKI and a TestMode configuration
# trusting it are made, the corpus is seeded (tests/fuzz/corpus/TARGET,
# tests/fuzz/regressions/TARGET and run-time material such as the messages
# of tests/smime/make-messages.sh, whose real signatures from OpenSSL,
# gpgsm and Python reach the CMS and efirma paths), and libFuzzer runs for
# SECONDS seconds (-max_total_time) with tests/fuzz/TARGET.dict. Leaks
# are findings. WORKDIR (default a fresh temporary directory) keeps the
# binary, the grown corpus and any crash-*/leak-*/timeout-* reproducer;
# a directory made here is removed on exit unless libFuzzer found something.
# tests/fuzz/campaign.sh runs every target with several jobs.
#
# Environment: CLANG (default clang), OPENSSL, top_srcdir (default: the
# tree this script is in).
# Exit status: 0 no finding; 1 libFuzzer found a crash, leak or sanitizer
# error (reproducer in WORKDIR); 77 clang with libFuzzer unavailable
# ("SKIP: ..." printed first); 99 build or setup failure.

set -u

SECONDS_TO_RUN=${1:?usage: run-fuzz.sh SECONDS [WORKDIR [TARGET]]}
TARGET=${3:-verify}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
CLANG=${CLANG:-clang}
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/buzon-fuzz.XXXXXX")}
# A directory made here goes on every path except a finding (the reproducer
# stays); a WORKDIR given by the caller is the caller's to remove.
keep=${2:+1}
trap '[ "${keep:-0}" = 1 ] || rm -rf "$WORK"' EXIT
trap 'exit 99' HUP INT TERM
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
[ -f "$top_srcdir/tests/fuzz/fuzz_$TARGET.c" ] ||
    { echo "run-fuzz.sh: no target $TARGET"; exit 99; }

. "$top_srcdir/tests/fuzz/fuzz-lib.sh"
fz_probe
fz_build "$TARGET"
fz_setup
CORPUS=$WORK/corpus-$TARGET
fz_seeds "$TARGET" "$CORPUS"

echo "fuzzing $TARGET for $SECONDS_TO_RUN s (corpus $(ls "$CORPUS" | wc -l) files)"
cd "$WORK" || exit 99
ASAN_OPTIONS=detect_leaks=1 \
    "./fuzz_$TARGET" -max_total_time="$SECONDS_TO_RUN" -max_len=65536 -timeout=20 \
    -rss_limit_mb=2048 -dict="$top_srcdir/tests/fuzz/$TARGET.dict" -print_final_stats=1 \
    "$CORPUS" > "$WORK/fuzz-$TARGET.log" 2>&1
rc=$?
tail -n 25 "$WORK/fuzz-$TARGET.log"
if [ $rc -ne 0 ]; then
	echo "FAIL: libFuzzer exit $rc on $TARGET; reproducer(s): $(ls "$WORK"/crash-* "$WORK"/leak-* "$WORK"/timeout-* 2>/dev/null | tr '\n' ' ')"
	keep=1
	exit 1
fi
echo "no findings in $TARGET in $SECONDS_TO_RUN s"
exit 0
