#!/bin/sh
# version.sh - "-V" on both programs: the package version, then the
# OpenSSL, GMime, SQLite, libxml2, libcurl and libmilter versions in use (each with
# the one built against); exit 0, nothing on standard error.

: "${top_srcdir:=.}" "${top_builddir:=.}"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
version=$(sed -n 's/^AC_INIT(\[buzon-milter\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")

for prog in buzon-milter buzonctl; do
	bin="$top_builddir/$prog"
	[ -x "$bin" ] || { echo "ERROR: $bin not built"; exit 99; }
	if ! "$bin" -V >"$tmp/out" 2>"$tmp/err"; then
		echo "FAIL: $prog -V exits non-zero: $(cat "$tmp/out" "$tmp/err")"
		fail=1; continue
	fi
	[ -s "$tmp/err" ] && { echo "FAIL: $prog -V writes to stderr"; fail=1; }
	[ "$(head -n 1 "$tmp/out")" = "$prog $version" ] || {
		echo "FAIL: $prog -V first line: $(head -n 1 "$tmp/out")"; fail=1; }
	for lib in OpenSSL GMime SQLite libxml2 libcurl 'libmilter API'; do
		grep -Eq "^$lib [0-9]+\.[0-9]+\.[0-9]+.* \(built with [0-9]+\.[0-9]+\.[0-9]+\)\$" \
		    "$tmp/out" || { echo "FAIL: $prog -V has no $lib line"; fail=1; }
	done
	# run-time versions, as the libraries' own tools report them
	if command -v sqlite3 >/dev/null 2>&1; then
		v=$(sqlite3 --version | cut -d' ' -f1)
		grep -q "^SQLite $v " "$tmp/out" || {
			echo "FAIL: $prog -V SQLite is not $v"; fail=1; }
	fi
	if [ -n "$OPENSSL" ]; then
		v=$("$OPENSSL" version | cut -d' ' -f2)
		grep -q "^OpenSSL $v " "$tmp/out" || {
			echo "FAIL: $prog -V OpenSSL is not $v"; fail=1; }
	fi
done
[ $fail -eq 0 ] && echo "PASS: -V on both programs"
exit $fail
