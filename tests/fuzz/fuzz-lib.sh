# fuzz-lib.sh - build and set up the libFuzzer targets (sourced)
#
# Used by run-fuzz.sh (one target, bounded) and campaign.sh (every target,
# several jobs). The caller sets top_srcdir, WORK and CLANG and sources
# this file; then:
#   fz_probe            exit 77 with "SKIP: ..." when clang cannot link
#                       -fsanitize=fuzzer
#   fz_build TARGET...  WORK/fuzz_TARGET for each target, from
#                       tests/fuzz/fuzz_TARGET.c and every core/*.c compiled
#                       once by clang -fsanitize=fuzzer,address,undefined
#                       into WORK/obj (libFuzzer needs clang's coverage in
#                       the code under test, so not the gcc-built libbuzon.a)
#   fz_setup            the test PKI (WORK/pki), a TestMode configuration
#                       trusting it (WORK/buzon.conf), and the environment
#                       the targets read (BUZON_FUZZ_CONFIG, BUZON_FUZZ_PKI,
#                       BUZON_FUZZ_XSD)
#   fz_seeds TARGET DIR DIR holds TARGET's seeds: tests/fuzz/corpus/TARGET,
#                       its regression files, and what is made at run time
#                       (signed messages for verify, OCSP answers from the
#                       test PKI for ocsp, the contrib samples)
# Targets: $FZ_TARGETS. Dictionary of TARGET: tests/fuzz/TARGET.dict.

FZ_TARGETS="verify config calendar acuse ocsp mime_header registration notification apertura"

fz_probe() {
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
}

FZ_CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined \
-fno-sanitize-recover=undefined -fno-omit-frame-pointer -pthread"

fz_build() {
	mkdir -p "$WORK/obj" "$WORK/build-aux"
	# The sources need only the autoconf basics from config.h.
	cat > "$WORK/build-aux/config.h" <<'EOH'
#define _GNU_SOURCE 1
#define PACKAGE "buzon-milter"
#define PACKAGE_NAME "buzon-milter"
#define PACKAGE_VERSION "fuzz"
#define PACKAGE_STRING "buzon-milter fuzz"
EOH
	# core/receipt_pdf.c (the printable acuse) draws with cairo and
	# libqrencode: every core file is built, so they are needed too.
	FZ_PDF_PKGS="cairo fontconfig libqrencode"
	FZ_PDF_PKGS_CFLAGS=$(pkg-config --cflags $FZ_PDF_PKGS)
	fz_inc="-I$WORK -I$top_srcdir/include -I$top_srcdir \
-DSYSCONFDIR=\"/etc\" -DPKGDATADIR=\"/usr/share/buzon-milter\" \
$(pkg-config --cflags gmime-3.0 openssl sqlite3 libpq libxml-2.0 libcurl) $FZ_PDF_PKGS_CFLAGS"
	# All of libbuzon: the paths under test reach into several modules,
	# and a hand-kept list breaks whenever one starts using another.
	fz_objs=
	# (and the verification's --json object, which buzonctl owns)
	for f in "$top_srcdir"/core/*.c "$top_srcdir"/milter/ctl_verify_json.c; do
		o=$WORK/obj/$(basename "$f" .c).o
		fz_objs="$fz_objs $o"
		[ "$o" -nt "$f" ] && continue
		# shellcheck disable=SC2086
		"$CLANG" $FZ_CFLAGS $fz_inc -c "$f" -o "$o" 2>> "$WORK/build.log" ||
		    { cat "$WORK/build.log"; echo "fuzz build failed: $f"; exit 99; }
	done
	for t in "$@"; do
		echo "building $WORK/fuzz_$t"
		# shellcheck disable=SC2086
		"$CLANG" $FZ_CFLAGS -fsanitize=fuzzer $fz_inc -o "$WORK/fuzz_$t" \
		    "$top_srcdir/tests/fuzz/fuzz_$t.c" $fz_objs \
		    $(pkg-config --libs gmime-3.0 openssl sqlite3 libpq libxml-2.0 libcurl) \
		    $(pkg-config --libs $FZ_PDF_PKGS) -lpthread \
		    2>> "$WORK/build.log" ||
		    { cat "$WORK/build.log"; echo "fuzz build failed: fuzz_$t"; exit 99; }
	done
}

fz_setup() {
	PKI=$WORK/pki
	if [ ! -f "$PKI/trust-anchors.pem" ]; then
		sh "$top_srcdir/tests/pki/gen-pki.sh" "$PKI" >/dev/null ||
		    { echo "gen-pki.sh failed"; exit 99; }
	fi
	sh "$top_srcdir/tests/pki/testmode-conf.sh" "$PKI" "$WORK/milter.sock" \
	    > "$WORK/buzon.conf" || exit 99
	BUZON_FUZZ_CONFIG=$WORK/buzon.conf
	BUZON_FUZZ_PKI=$PKI
	BUZON_FUZZ_XSD=$top_srcdir/contrib/acuse-v1.xsd
	export BUZON_FUZZ_CONFIG BUZON_FUZZ_PKI BUZON_FUZZ_XSD
}

fz_seeds() {
	mkdir -p "$2"
	cp "$top_srcdir/tests/fuzz/corpus/$1"/* "$2/" 2>/dev/null
	cp "$top_srcdir/tests/fuzz/regressions/$1"/* "$2/" 2>/dev/null
	case $1 in
	verify)
		if sh "$top_srcdir/tests/smime/make-messages.sh" "$PKI" "$WORK/messages" \
		    >/dev/null 2>&1; then
			cp "$WORK"/messages/*.eml "$2/"
		else
			echo "note: make-messages.sh failed; verify seeds from the tree only"
		fi ;;
	config)
		cp "$top_srcdir/contrib/buzon-milter.conf" "$WORK/buzon.conf" "$2/" ;;
	calendar)
		cp "$top_srcdir/contrib/calendario-imss-2026-2027.conf" "$2/" ;;
	ocsp)
		# Answers from this run's PKI, so the signatures verify: good
		# and revoked, by the delegated responder and by the issuer.
		for who in efirma-fisica revoked; do
			for signer in ocsp ca; do
				(cd "$PKI" && "${OPENSSL:-openssl}" ocsp -issuer ca.crt \
				    -cert "$who.crt" -no_nonce -reqout "$WORK/$who.req" &&
				"${OPENSSL:-openssl}" ocsp -index ca/index.txt -CA ca.crt \
				    -rsigner "$signer.crt" -rkey "$signer.key" \
				    -reqin "$WORK/$who.req" -ndays 3650 \
				    -respout "$2/run-$who-$signer.der") >/dev/null 2>&1 ||
				    echo "note: openssl ocsp failed for $who by $signer"
			done
		done ;;
	esac
}
