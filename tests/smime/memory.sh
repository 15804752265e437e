#!/bin/sh
#
# memory.sh - a large message is verified without being held in memory
#
# Issue 8: "A 24 MB message with bare-LF lines took 184 MB peak RSS in
# buzonctl verify." The message is canonicalised once (a temporary file
# when it has bare LF), read a step at a time and its parts hashed while
# they are decoded, so the peak resident set grows by a small fraction of
# the message's size, not by several times it. `buzonctl verify` runs on a
# tiny signed message (the baseline: libraries, configuration, PKI) and
# on a 32 MiB one, CRLF and bare-LF; each must be accepted with the same
# part digests, and its peak RSS (the child's ru_maxrss) may exceed the
# baseline's by at most half the message (16 MiB; the old code
# needed more than four times the message). No timing is involved: the
# figures are the kernel's high-water marks, and the bound is far from
# both sides in every build (plain, sanitizers).

set -u

: "${top_srcdir:?}" "${top_builddir:?}"
BUZONCTL=$top_builddir/buzonctl
PKI=$top_builddir/tests/pki/generated
DIR=$top_builddir/tests/smime/memory
MIB=32

command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed (peak RSS)"; exit 77; }
command -v openssl >/dev/null 2>&1 || { echo "SKIP: openssl not installed"; exit 77; }
sh "$top_srcdir/tests/pki/gen-pki.sh" "$PKI" >/dev/null || { echo "gen-pki.sh failed"; exit 99; }
rm -rf "$DIR"
mkdir -p "$DIR" || exit 99
sh "$top_srcdir/tests/pki/testmode-conf.sh" "$PKI" "$DIR/unused.sock" \
    "TestClock 2026-06-01T12:00:00Z" "SpoolDirectory $DIR" > "$DIR/buzon.conf" || exit 99

# message FILE KIB - a signed submission with a base64 attachment of about
# KIB KiB, CRLF line ends
message()
{
	{
		printf 'Content-Type: multipart/mixed; boundary="m"\n\n--m\n'
		printf 'Content-Type: text/plain\n\nPromocion.\n--m\n'
		printf 'Content-Type: application/pdf; name="anexo.pdf"\n'
		printf 'Content-Transfer-Encoding: base64\n\n'
		head -c $(($2 * 1024 * 3 / 4)) /dev/zero | tr '\0' 'x' | base64 -w 76
		printf -- '--m--\n'
	} >"$1.entity"
	{
		printf 'From: <patron@empresa.test>\nTo: <buzon@imss.test>\nSubject: grande\n'
		printf 'Message-ID: <memory@empresa.test>\n'
		openssl cms -sign -in "$1.entity" -md sha256 -signer "$PKI/efirma-fisica.crt" \
		    -inkey "$PKI/efirma-fisica.key" || exit 99
	} | tr -d '\r' | sed -e 's/$/\r/' >"$1"
	rm -f "$1.entity"
}

# peak_kib FILE - run buzonctl verify --json FILE; print "STATUS KIB"
peak_kib()
{
	python3 - "$BUZONCTL" -c "$DIR/buzon.conf" verify --json "$1" >"$1.json" <<'PY'
import resource, subprocess, sys
st = subprocess.run(sys.argv[1:]).returncode
print(st, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
PY
}

fail=0
message "$DIR/small.eml" 4 || exit 99
message "$DIR/large.eml" $((MIB * 1024)) || exit 99
tr -d '\r' <"$DIR/large.eml" >"$DIR/large-lf.eml"
read -r st base <<EOF2
$(peak_kib "$DIR/small.eml" 2>&1 >/dev/null | tail -n 1)
EOF2
[ "$st" = 0 ] || { echo "FAIL: the small message is not accepted (exit $st)"; cat "$DIR/small.eml.json"; exit 1; }
echo "baseline: $base KiB peak for $(wc -c <"$DIR/small.eml") bytes"
limit=$((base + MIB * 1024 / 2))
for m in large large-lf; do
	read -r st peak <<EOF2
$(peak_kib "$DIR/$m.eml" 2>&1 >/dev/null | tail -n 1)
EOF2
	size=$(wc -c <"$DIR/$m.eml")
	if [ "$st" != 0 ]; then
		echo "FAIL: $m.eml ($size bytes) not accepted (exit $st)"
		cat "$DIR/$m.eml.json"
		fail=1
		continue
	fi
	if [ "$peak" -gt "$limit" ]; then
		echo "FAIL: $m.eml ($size bytes): peak $peak KiB, more than $limit KiB" \
		    "(baseline + half the message)"
		fail=1
	else
		echo "ok: $m.eml ($size bytes): peak $peak KiB (limit $limit KiB)"
	fi
done
# the same parts either way: the bare-LF copy is read as mail is
a=$(grep -o '"parts": .*' "$DIR/large.eml.json")
b=$(grep -o '"parts": .*' "$DIR/large-lf.eml.json")
if [ -z "$a" ] || [ "$a" != "$b" ]; then
	echo "FAIL: the CRLF and the bare-LF message list different parts:"
	echo "  $a"
	echo "  $b"
	fail=1
fi
ls "$DIR" | grep -q 'buzon-canon' && { echo "FAIL: a canonical copy was left in $DIR"; fail=1; }
[ "$fail" -eq 0 ] && rm -rf "$DIR"
exit "$fail"
