#!/bin/sh
#
# forged-output.sh - what a certificate or a message says cannot forge
# buzonctl's output
#
# Issue 8: "A certificate name with ESC and newline made `buzonctl verify`
# print a fake `verdict:    accepted` line ... Every sender- or
# certificate-controlled value printed by buzonctl or logged has control
# characters escaped; all JSON output is valid UTF-8 whatever the input
# bytes (test with 8-bit Message-ID and file names)."
# Material from tests/efirma/make-forged.sh (the daemon's log side is
# tests/milter/forged-output.lua). Text reports: one verdict line, no
# imitated line, no raw control character, valid UTF-8. JSON: parsed by
# Python's strict json over strictly decoded UTF-8, and the names come back
# with their ESC and newlines (escaping loses nothing).

set -u
: "${top_srcdir:?}" "${top_builddir:?}"
command -v python3 >/dev/null 2>&1 ||
    { echo "SKIP: python3 not found (the strict JSON and UTF-8 checks use it)"; exit 77; }
PKI=$top_builddir/tests/pki/generated
"$top_srcdir/tests/pki/gen-pki.sh" "$PKI" >/dev/null || { echo "ERROR: gen-pki.sh failed"; exit 99; }
CTL=$top_builddir/buzonctl
WORK=$(mktemp -d "${TMPDIR:-/tmp}/buzon-forged.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
"$top_srcdir/tests/efirma/make-forged.sh" "$PKI" "$WORK/m" >"$WORK/make.log" 2>&1 ||
    { echo "ERROR: make-forged.sh failed"; cat "$WORK/make.log"; exit 99; }
fail=0

cat > "$WORK/test.conf" <<CONF
Socket unix:$WORK/milter.sock
MailboxAddress buzon@imss.example
TestMode yes
TestClock 2026-06-01T12:00:00Z
TrustAnchors $PKI/trust-anchors.pem
IssuingCAs $PKI/issuing-cas.pem
CONF

# run NAME WANT_STATUS ARGS... - buzonctl into $WORK/out, status checked
run() {
	name=$1 want=$2
	shift 2
	"$CTL" -c "$WORK/test.conf" "$@" > "$WORK/out" 2> "$WORK/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: $name: exit $got, want $want"; cat "$WORK/out" "$WORK/err"
		fail=1
		return 1
	fi
	return 0
}

# text_ok NAME - $WORK/out is a report nothing forged a line of
text_ok() {
	if python3 - "$WORK/out" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
text = data.decode("utf-8")                  # strict: raises on bad bytes
bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f]
assert not bad, "raw control characters %r" % bad
lines = text.split("\n")
verdicts = [l for l in lines if l.startswith("verdict:")]
assert len(verdicts) == 1, "verdict lines: %r" % verdicts
assert not any(l.startswith(("reasons: none", "PEREZ", "escrito.pdf")) for l in lines), \
    "a line the input began: %r" % lines
PY
	then
		echo "ok: $1"
	else
		echo "FAIL: $1:"; cat -A "$WORK/out"
		fail=1
	fi
}

# json_ok NAME PYTHON-ASSERTION - $WORK/out parses strictly and d satisfies it
json_ok() {
	if python3 - "$WORK/out" "$2" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
assert eval(sys.argv[2]), "%s is false for %r" % (sys.argv[2], d)
PY
	then
		echo "ok: $1"
	else
		echo "FAIL: $1:"; cat -A "$WORK/out"
		fail=1
	fi
}

cn='JUAN \x1b[2K\rverdict:    accepted\nPEREZ\x1b[31m'
rfc='PEGJ800101AB3\nverdict:    accepted'

# The certificate alone: rejected (its RFC is not an RFC), nothing forged.
run "cert text" 1 cert "$WORK/m/forged.crt" && text_ok "cert: no forged line"
grep -q 'name:       JUAN \\x1b\[2K\\rverdict:    accepted\\nPEREZ\\x1b\[31m$' "$WORK/out" &&
    echo "ok: cert: the name shown escaped" ||
    { echo "FAIL: cert: name not shown escaped"; cat -A "$WORK/out"; fail=1; }
run "cert json" 1 cert "$WORK/m/forged.crt" --json &&
    json_ok "cert --json: strict, name intact" "d['signer']['name'] == '$cn' and d['verdict'] == 'rejected'"

# A submission signed with it: rejected, nothing forged.
run "verify text" 1 verify "$WORK/m/forged.eml" && text_ok "verify: no forged line"
grep -q '^  RFC:      PEGJ800101AB3\\nverdict:    accepted (persona fisica)$' "$WORK/out" &&
    echo "ok: verify: the RFC shown escaped" ||
    { echo "FAIL: verify: RFC not shown escaped"; cat -A "$WORK/out"; fail=1; }
run "verify json" 1 verify "$WORK/m/forged.eml" --json &&
    json_ok "verify --json: strict, names intact" \
    "d['verdict'] == 'rejected' and d['signer']['name'] == '$cn' and d['signer']['rfc'] == '$rfc'"

# 8-bit Message-ID and file names (a genuine e.firma): accepted; the
# bytes that are not UTF-8 print as \xHH in text and U+FFFD in JSON.
run "8-bit names text" 0 verify "$WORK/m/names.eml" && text_ok "verify 8-bit: valid UTF-8 report"
grep -q ' \\xff\\xfeacta-\\xe9.pdf$' "$WORK/out" &&
    echo "ok: verify 8-bit: bad bytes shown as \\xHH" ||
    { echo "FAIL: verify 8-bit: name not shown escaped"; cat -A "$WORK/out"; fail=1; }
run "8-bit names json" 0 verify "$WORK/m/names.eml" --json &&
    json_ok "verify 8-bit --json: strict UTF-8" \
    "[p['name'] for p in d['parts']] == [None, '\ufffd\ufffdacta-\ufffd.pdf', '\x1b[2K\rverdict:    accepted\nescrito.pdf']"

exit $fail
