#!/bin/sh
#
# replay.sh - every fuzz target over its seed and regression corpus
#
# For each target of tests/fuzz (verify, config, calendar, acuse, ocsp,
# mime_header, registration, notification, apertura), tests/fuzz/replay-TARGET (tests/fuzz/replay.c, built by
# make with the project's flags) feeds every file of
# tests/fuzz/corpus/TARGET and tests/fuzz/regressions/TARGET to the
# target's LLVMFuzzerTestOneInput. Every finding of a fuzzing campaign
# becomes a file under regressions/ (tests/fuzz/campaign.sh), so a fix
# that regresses fails here, on every `make check`, without libFuzzer.
# With --enable-sanitizers the replay runs under ASan, UBSan and
# LeakSanitizer (leaks are fatal); in a plain build it runs under valgrind
# (definite and indirect leaks are errors), and skips when valgrind is
# missing. REPLAY_TARGETS limits the targets (space separated).
#
# Exit status: 0 all clean; 1 a target crashed, leaked or reported; 77
# plain build without valgrind; 99 set-up failure.

set -u
: "${top_srcdir:?}" "${top_builddir:?}"
FZ=$top_srcdir/tests/fuzz
PKI=$top_builddir/tests/pki/generated
WORK=$top_builddir/tests/fuzz/replay.work
TARGETS=${REPLAY_TARGETS:-verify config calendar acuse ocsp mime_header registration notification apertura}

sh "$top_srcdir/tests/pki/gen-pki.sh" "$PKI" >/dev/null || { echo "gen-pki.sh failed"; exit 99; }
rm -rf "$WORK"
mkdir -p "$WORK"
sh "$top_srcdir/tests/pki/testmode-conf.sh" "$PKI" "$WORK/milter.sock" \
    > "$WORK/buzon.conf" || exit 99
BUZON_FUZZ_CONFIG=$WORK/buzon.conf
BUZON_FUZZ_PKI=$PKI
BUZON_FUZZ_XSD=$top_srcdir/contrib/acuse-v1.xsd
export BUZON_FUZZ_CONFIG BUZON_FUZZ_PKI BUZON_FUZZ_XSD

WRAP=
if ldd "$top_builddir/tests/fuzz/replay-verify" 2>/dev/null | grep -q libasan; then
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1
	export ASAN_OPTIONS
	how="ASan+UBSan+LeakSanitizer"
elif command -v valgrind >/dev/null 2>&1; then
	WRAP="valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
--show-leak-kinds=definite,indirect --error-exitcode=42 \
--suppressions=$top_srcdir/tests/valgrind.supp"
	how="valgrind"
else
	echo "SKIP: plain build and no valgrind: nothing would catch a leak"
	exit 77
fi

fails=0
for t in $TARGETS; do
	dirs=
	for d in "$FZ/corpus/$t" "$FZ/regressions/$t"; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	n=$(find $dirs -type f | wc -l)
	# shellcheck disable=SC2086
	if $WRAP "$top_builddir/tests/fuzz/replay-$t" $dirs > "$WORK/$t.log" 2>&1; then
		echo "PASS: $t: $n inputs replayed under $how"
	else
		echo "FAIL: $t under $how (last input first):"
		grep '^replay ' "$WORK/$t.log" | tail -n 1
		tail -n 40 "$WORK/$t.log"
		fails=$((fails + 1))
	fi
done
[ $fails -eq 0 ] || exit 1
rm -rf "$WORK"
exit 0
