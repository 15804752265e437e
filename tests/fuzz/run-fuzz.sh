#!/bin/sh
#
# run-fuzz.sh - build the libFuzzer target and run it for a bounded time
#
# Usage: tests/fuzz/run-fuzz.sh SECONDS [WORKDIR]
#
# Builds tests/fuzz/fuzz_verify.c with clang -fsanitize=fuzzer,address,
# undefined directly from every core/*.c file (not the gcc-built libbuzon.a: libFuzzer
# needs clang's coverage instrumentation in the code under test), makes
# the test PKI and a TestMode configuration trusting it, seeds the corpus
# with tests/fuzz/corpus/ plus the messages of tests/smime/make-messages.sh
# (real signatures from OpenSSL, gpgsm and Python, so the CMS and efirma
# paths are reached), and runs libFuzzer for SECONDS seconds
# (-max_total_time). WORKDIR (default a fresh directory under $TMPDIR,
# removed on exit unless libFuzzer found something) keeps the binary, the
# grown corpus and any crash-* reproducer.
#
# Environment: CLANG (default clang), OPENSSL, top_srcdir (default: the
# tree this script is in).
# Exit status: 0 no finding; 1 libFuzzer found a crash, leak or sanitizer
# error (reproducer in WORKDIR); 77 clang with libFuzzer unavailable
# ("SKIP: ..." printed first); 99 build or setup failure.

set -u

SECONDS_TO_RUN=${1:?usage: run-fuzz.sh SECONDS [WORKDIR]}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
CLANG=${CLANG:-clang}
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/buzon-fuzz.XXXXXX")}
# A directory made here goes on every path except a finding (the reproducer
# stays); a WORKDIR given by the caller is the caller's to remove.
keep=${2:+1}
trap '[ "${keep:-0}" = 1 ] || rm -rf "$WORK"' EXIT
trap 'exit 99' HUP INT TERM
mkdir -p "$WORK/corpus" "$WORK/build-aux"
WORK=$(cd "$WORK" && pwd)

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "SKIP: $CLANG not found (apt-get install clang)"
	exit 77
fi
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
    > "$WORK/probe.c"
if ! "$CLANG" -fsanitize=fuzzer "$WORK/probe.c" -o "$WORK/probe" 2>/dev/null; then
	echo "SKIP: $CLANG cannot link -fsanitize=fuzzer (libFuzzer missing)"
	exit 77
fi

# The sources need only the autoconf basics from config.h.
cat > "$WORK/build-aux/config.h" <<'EOF'
#define _GNU_SOURCE 1
#define PACKAGE "buzon-milter"
#define PACKAGE_NAME "buzon-milter"
#define PACKAGE_VERSION "fuzz"
#define PACKAGE_STRING "buzon-milter fuzz"
EOF

# All of libbuzon, compiled by clang with coverage: the verify path reaches
# into several modules (config checks addresses with address.c, ...),
# and a hand-kept list breaks whenever one module starts using another.
SOURCES=
for f in "$top_srcdir"/core/*.c; do
	SOURCES="$SOURCES $f"
done
SOURCES="$SOURCES $top_srcdir/milter/ctl_verify_json.c"	# the --json object

echo "building $WORK/fuzz_verify"
# shellcheck disable=SC2046
"$CLANG" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -fno-omit-frame-pointer -pthread \
    -I"$WORK" -I"$top_srcdir/include" -I"$top_srcdir" \
    -DSYSCONFDIR='"/etc"' -DPKGDATADIR='"/usr/share/buzon-milter"' \
    $(pkg-config --cflags gmime-3.0 openssl sqlite3 libxml-2.0) \
    -o "$WORK/fuzz_verify" "$top_srcdir/tests/fuzz/fuzz_verify.c" $SOURCES \
    $(pkg-config --libs gmime-3.0 openssl sqlite3 libxml-2.0) -lpthread \
    2> "$WORK/build.log" || { cat "$WORK/build.log"; echo "fuzz build failed"; exit 99; }

PKI=$WORK/pki
sh "$top_srcdir/tests/pki/gen-pki.sh" "$PKI" >/dev/null || { echo "gen-pki.sh failed"; exit 99; }
cat > "$WORK/buzon.conf" <<EOF
Socket unix:$WORK/milter.sock
MailboxAddress buzon@imss.pruebas.test
TestMode yes
TrustAnchors $PKI/trust-anchors.pem
IssuingCAs $PKI/issuing-cas.pem
Revocation none
Syslog no
EOF

cp "$top_srcdir"/tests/fuzz/corpus/* "$WORK/corpus/"
if sh "$top_srcdir/tests/smime/make-messages.sh" "$PKI" "$WORK/messages" >/dev/null 2>&1; then
	cp "$WORK"/messages/*.eml "$WORK/corpus/"
else
	echo "note: make-messages.sh failed; fuzzing from the committed corpus only"
fi

echo "fuzzing for $SECONDS_TO_RUN s (corpus $(ls "$WORK/corpus" | wc -l) files)"
cd "$WORK" || exit 99
BUZON_FUZZ_CONFIG=$WORK/buzon.conf ASAN_OPTIONS=detect_leaks=1 \
    ./fuzz_verify -max_total_time="$SECONDS_TO_RUN" -max_len=65536 -timeout=20 \
    -rss_limit_mb=2048 -dict="$top_srcdir/tests/fuzz/mime.dict" -print_final_stats=1 \
    "$WORK/corpus" > "$WORK/fuzz.log" 2>&1
rc=$?
tail -n 25 "$WORK/fuzz.log"
if [ $rc -ne 0 ]; then
	echo "FAIL: libFuzzer exit $rc; reproducer(s): $(ls "$WORK"/crash-* "$WORK"/leak-* "$WORK"/timeout-* 2>/dev/null | tr '\n' ' ')"
	keep=1
	exit 1
fi
echo "no findings in $SECONDS_TO_RUN s"
exit 0
