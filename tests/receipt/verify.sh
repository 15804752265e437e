#!/bin/sh
#
# verify.sh - an acuse verifies with every independent tool; tampered
# copies fail with the check that protects the tampered part named.
#
# The sample comes from tests/receipt/mkacuse (fixed record, institution
# certificate of the test PKI). Checked by: openssl cms -verify (whole
# mail), gpgsm --verify (the raw signed bytes cut out of the mail with
# awk, in a throwaway GNUPGHOME trusting only the institution CA),
# xmllint --schema (the XML attachment), buzonctl receipt verify (all four
# checks). Certificates are checked at the pinned instant of the PKI.
# Acuses issued under another rule set (LegalBasis, SubmissionFirstHour)
# than the verifying configuration's still verify: the acuse names its own.

: "${top_srcdir:?}" "${top_builddir:?}"
OPENSSL=${OPENSSL:-openssl}
PKI="$top_builddir/tests/pki/generated"
"$top_srcdir/tests/pki/gen-pki.sh" "$PKI" >/dev/null || { echo "ERROR: gen-pki.sh failed"; exit 99; }
AT=2026-06-01T12:00:00Z
SCHEMA="$top_srcdir/contrib/acuse-v1.xsd"
MK="$top_builddir/tests/receipt/mkacuse"
CTL="$top_builddir/buzonctl"
T=$(mktemp -d /tmp/buzon-receipt.XXXXXX) || exit 99
GNUPGHOME="$T/gnupg"
export GNUPGHOME
cleanup() {
	command -v gpgconf >/dev/null 2>&1 && gpgconf --kill gpg-agent 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fail=0
say() { printf '%s\n' "$*"; }
bad() { say "FAIL: $*"; fail=1; }
ok() { say "ok: $*"; }

# split_signed MAIL CONTENT SIG - the signed entity's exact bytes and the
# DER signature, cut at the outer boundary (RFC 1847: the CRLF before a
# delimiter belongs to the delimiter).
split_signed() {
	b=$(sed -n 's/.*boundary="\(=_firma_[0-9a-f]*\)".*/\1/p' "$1" | head -n 1)
	[ -n "$b" ] || return 1
	awk -v d="--$b" '
		$0 == d "\r" { part++; next }
		$0 == d "--\r" { exit }
		part == 1 { line[n++] = $0 }
		END {
			for (i = 0; i < n - 1; i++) printf "%s\n", line[i]
			s = line[n - 1]; sub(/\r$/, "", s); printf "%s", s
		}' "$1" > "$2"
	awk -v d="--$b" '
		$0 == d "\r" { part++; hdr = 1; next }
		$0 == d "--\r" { exit }
		part == 2 && hdr && $0 == "\r" { hdr = 0; next }
		part == 2 && !hdr { print }' "$1" | tr -d '\r' | base64 -d > "$3"
}

# xml_of MAIL - the decoded acuse-*.xml attachment
xml_of() {
	awk '
		/^Content-Disposition: attachment; filename="acuse-/ { inxml = 1; next }
		inxml && $0 == "\r" { body = 1; next }
		body && /^--/ { exit }
		body { print }' "$1" | tr -d '\r' | base64 -d
}

# check_json MAIL CHECK RESULT - buzonctl's verdict on one check
check_json() {
	"$CTL" -c "$T/none.conf" receipt verify --json --ca "$PKI/institution-ca.crt" \
	    --schema "$SCHEMA" --at "$AT" "$1" > "$T/out.json"
	status=$?
	grep -q "\"$2\": {\"result\": \"$3\"" "$T/out.json"
}

# --- the genuine acuse -----------------------------------------------------
"$MK" "$PKI/institution.crt" "$PKI/institution.key" > "$T/acuse.eml" ||
    { echo "ERROR: mkacuse failed"; exit 99; }

if "$OPENSSL" cms -verify -in "$T/acuse.eml" -CAfile "$PKI/institution-ca.crt" \
    -attime 1780315200 -out /dev/null 2>"$T/err"; then
	ok "openssl cms -verify"
else
	bad "openssl cms -verify: $(cat "$T/err")"
fi

split_signed "$T/acuse.eml" "$T/content" "$T/sig.p7s" || bad "cannot split the acuse"
mkdir -m 700 "$GNUPGHOME"
if ! command -v gpgsm >/dev/null 2>&1; then
	bad "gpgsm not installed (contrib/run-tests installs it)"
else
	gpgsm --batch --disable-dirmngr --import "$PKI/institution-ca.crt" 2>"$T/err" ||
	    bad "gpgsm --import: $(cat "$T/err")"
	GPGSM_VERIFY="gpgsm --batch --disable-dirmngr --disable-crl-checks --disable-policy-checks"
	# Not yet trusted: gpgsm must refuse.
	if $GPGSM_VERIFY --verify "$T/sig.p7s" "$T/content" 2>"$T/err"; then
		bad "gpgsm accepted a signature from an untrusted CA"
	else
		ok "gpgsm refuses before the CA is trusted"
	fi
	fp=$("$OPENSSL" x509 -in "$PKI/institution-ca.crt" -noout -fingerprint -sha1 | sed 's/.*=//')
	printf '%s S relax\n' "$fp" > "$GNUPGHOME/trustlist.txt"
	gpgconf --kill gpg-agent 2>/dev/null	# re-read trustlist.txt
	if $GPGSM_VERIFY --verify "$T/sig.p7s" "$T/content" 2>"$T/err" &&
	    grep -q "Good signature" "$T/err"; then
		ok "gpgsm --verify"
	else
		bad "gpgsm --verify: $(cat "$T/err")"
	fi
fi

xml_of "$T/acuse.eml" > "$T/acuse.xml"
if xmllint --noout --schema "$SCHEMA" "$T/acuse.xml" 2>"$T/err"; then
	ok "xmllint --schema"
else
	bad "xmllint --schema: $(cat "$T/err")"
fi

if "$CTL" -c "$T/none.conf" receipt verify --ca "$PKI/institution-ca.crt" \
    --schema "$SCHEMA" --at "$AT" "$T/acuse.eml" > "$T/out" 2>&1; then
	ok "buzonctl receipt verify"
else
	bad "buzonctl receipt verify: $(cat "$T/out")"
fi
check_json "$T/acuse.eml" calendar pass && [ "$status" -eq 0 ] ||
    bad "receipt verify --json: $(cat "$T/out.json")"

# --- a signature whose digestAlgorithms is empty --------------------------
# OpenSSL 3.0's CMS_verify leaks on it (include/buzon/cms_check.h): receipt
# verify must refuse it before CMS_verify, as the milter does, so a
# sanitizer build reports no leak and the smime check says why.
if command -v python3 >/dev/null 2>&1; then
	python3 "$top_srcdir/tests/fuzz/digestless.py" "$T/acuse.eml" "$T/digestless.eml" ||
	    { echo "ERROR: digestless.py failed"; exit 99; }
	"$CTL" -c "$T/none.conf" receipt verify --json --ca "$PKI/institution-ca.crt" \
	    --schema "$SCHEMA" --at "$AT" "$T/digestless.eml" > "$T/out.json" 2>"$T/err"
	status=$?
	if grep -q '"smime": {"result": "fail", "detail": "malformed S/MIME signature: its digestAlgorithms' \
	    "$T/out.json" && [ "$status" -eq 1 ] && ! grep -q LeakSanitizer "$T/err"; then
		ok "digestless signature refused before CMS_verify"
	else
		bad "digestless signature (exit $status): $(cat "$T/out.json" "$T/err")"
	fi
else
	say "skip: no python3 for the digestless signature"
fi

# A copy with LF line endings (as a Unix mailbox stores it) still verifies.
tr -d '\r' < "$T/acuse.eml" > "$T/lf.eml"
check_json "$T/lf.eml" smime pass && [ "$status" -eq 0 ] && ok "LF copy verifies" ||
    bad "LF copy: $(cat "$T/out.json")"

# --- tampered copies -------------------------------------------------------
# One byte of the text part: only the S/MIME signature protects it.
awk '/^Content-Language: es-MX/ { t = 1 } t == 1 && $0 == "\r" { t = 2; print; next }
	t == 2 { sub(/^Q/, "R"); t = 3 } { print }' "$T/acuse.eml" > "$T/text.eml"
cmp -s "$T/acuse.eml" "$T/text.eml" && bad "text tamper did not change the file"
check_json "$T/text.eml" smime fail && [ "$status" -eq 1 ] &&
    grep -q '"sello": {"result": "pass"' "$T/out.json" &&
    ok "text part changed: smime fails, sello still passes" ||
    bad "text tamper: $(cat "$T/out.json")"
"$OPENSSL" cms -verify -in "$T/text.eml" -CAfile "$PKI/institution-ca.crt" \
    -attime 1780315200 -out /dev/null 2>/dev/null && bad "openssl accepted the changed text"

# The sello replaced (mail re-signed by the institution): the sello check names it.
"$MK" "$PKI/institution.crt" "$PKI/institution.key" --bad-sello > "$T/sello.eml" || exit 99
check_json "$T/sello.eml" sello fail && [ "$status" -eq 1 ] &&
    grep -q '"smime": {"result": "pass"' "$T/out.json" &&
    ok "changed sello: sello fails" || bad "changed sello: $(cat "$T/out.json")"

# An XML that does not match the cadena the sello covers.
"$MK" "$PKI/institution.crt" "$PKI/institution.key" --tamper-after-seal > "$T/xml.eml" || exit 99
check_json "$T/xml.eml" sello fail && [ "$status" -eq 1 ] &&
    grep -q '"schema": {"result": "pass"' "$T/out.json" &&
    ok "XML not matching the cadena: sello fails" || bad "XML tamper: $(cat "$T/out.json")"

# A legal instant the calendar does not give (sealed, so only the calendar sees it).
"$MK" "$PKI/institution.crt" "$PKI/institution.key" --legal-utc 2026-06-02T12:00:00Z \
    > "$T/legal.eml" || exit 99
check_json "$T/legal.eml" calendar fail && [ "$status" -eq 1 ] &&
    grep -q '"sello": {"result": "pass"' "$T/out.json" &&
    ok "wrong legal instant: calendar fails" || bad "legal tamper: $(cat "$T/out.json")"

# An XML that breaks the schema: a hostile subject stays text, so only a
# real schema violation can do it; here the CA is wrong instead.
"$CTL" -c "$T/none.conf" receipt verify --json --ca "$PKI/root.crt" --schema "$SCHEMA" \
    --at "$AT" "$T/acuse.eml" > "$T/out.json"
[ $? -eq 1 ] && grep -q '"smime": {"result": "fail"' "$T/out.json" &&
    ok "another CA: smime fails" || bad "other CA: $(cat "$T/out.json")"

# A hostile subject round-trips as text and still verifies.
"$MK" "$PKI/institution.crt" "$PKI/institution.key" \
    --subject ']]></asunto></mensaje><x>&amp;' > "$T/hostile.eml" || exit 99
check_json "$T/hostile.eml" schema pass && [ "$status" -eq 0 ] &&
    ok "hostile subject: valid acuse" || bad "hostile subject: $(cat "$T/out.json")"

# --- the rule set the acuse names, not the verifier's configuration -------
# The verifier's configuration says lft and 00:00; each acuse below was
# issued under the rule set it names, with the instants the calendar gives
# under that rule set (no institution file, version sha256:none).
cat > "$T/lft.conf" <<EOC
Socket unix:$T/milter.sock
MailboxAddress buzon@imss.pruebas.test
InstitutionCA $PKI/institution-ca.crt
AcuseSchema $SCHEMA
LegalBasis lft
SubmissionFirstHour 00:00
EOC
# name | basis first | arrival UTC, local | legal UTC, local, rule | check | result | exit
while IFS='|' read -r name rs a_utc a_loc l_utc l_loc rule check want code; do
	[ -n "$name" ] || continue
	# shellcheck disable=SC2086
	"$MK" "$PKI/institution.crt" "$PKI/institution.key" --rule-set $rs \
	    --arrival "$a_utc" "$a_loc" --legal "$l_utc" "$l_loc" "$rule" > "$T/rs.eml" || exit 99
	"$CTL" -c "$T/lft.conf" receipt verify --json --at "$AT" "$T/rs.eml" > "$T/out.json" 2>&1
	status=$?
	if [ "$status" -eq "$code" ] && grep -q "\"$check\": {\"result\": \"$want\"" "$T/out.json"; then
		ok "rule set: $name"
	else
		bad "rule set: $name: exit $status: $(cat "$T/out.json")"
	fi
done <<'EOT'
5 May under lft+cff, first hour 09:30|lft+cff 09:30|2026-05-05T16:00:00Z|2026-05-05T10:00:00-06:00|2026-05-06T15:30:00Z|2026-05-06T09:30:00-06:00|submission.next-working-day|calendar|pass|0
Saturday under lft+cff, first hour 09:30|lft+cff 09:30|2026-05-09T16:00:00Z|2026-05-09T10:00:00-06:00|2026-05-11T15:30:00Z|2026-05-11T09:30:00-06:00|submission.next-working-day|calendar|pass|0
Saturday under lft, first hour 09:30|lft 09:30|2026-05-09T16:00:00Z|2026-05-09T10:00:00-06:00|2026-05-11T15:30:00Z|2026-05-11T09:30:00-06:00|submission.next-working-day|calendar|pass|0
5 May under lft+cff, first hour 00:00|lft+cff 00:00|2026-05-05T16:00:00Z|2026-05-05T10:00:00-06:00|2026-05-06T06:00:00Z|2026-05-06T00:00:00-06:00|submission.next-working-day|calendar|pass|0
5 May under lft: received on arrival|lft 09:30|2026-05-05T16:00:00Z|2026-05-05T10:00:00-06:00|2026-05-05T16:00:00Z|2026-05-05T10:00:00-06:00|submission.arrival|calendar|pass|0
5 May, lft+cff named but the lft instant given|lft+cff 09:30|2026-05-05T16:00:00Z|2026-05-05T10:00:00-06:00|2026-05-05T16:00:00Z|2026-05-05T10:00:00-06:00|submission.arrival|calendar|fail|1
Saturday, 09:30 named but the 00:00 instant given|lft+cff 09:30|2026-05-09T16:00:00Z|2026-05-09T10:00:00-06:00|2026-05-11T06:00:00Z|2026-05-11T00:00:00-06:00|submission.next-working-day|calendar|fail|1
EOT

# The rule set is sealed: changed in the XML after sealing, the sello fails
# (the schema still passes: the values are well-formed, just not sealed).
while IFS='|' read -r name opt value; do
	[ -n "$name" ] || continue
	"$MK" "$PKI/institution.crt" "$PKI/institution.key" --rule-set lft+cff 09:30 \
	    --arrival 2026-05-05T16:00:00Z 2026-05-05T10:00:00-06:00 \
	    --legal 2026-05-06T15:30:00Z 2026-05-06T09:30:00-06:00 submission.next-working-day \
	    "$opt" "$value" > "$T/tampered.eml" || exit 99
	check_json "$T/tampered.eml" sello fail && [ "$status" -eq 1 ] &&
	    grep -q '"schema": {"result": "pass"' "$T/out.json" &&
	    grep -q '"smime": {"result": "pass"' "$T/out.json" &&
	    ok "tampered $name: sello fails" || bad "tampered $name: $(cat "$T/out.json")"
done <<'EOT'
basis lft+cff -> lft|--tamper-basis|lft
first hour 09:30 -> 00:00|--tamper-first-hour|00:00
first hour 09:30 -> 09:31|--tamper-first-hour|09:31
EOT

# An acuse that names no rule set: xmllint still validates it, and verify
# does not fall back to the configuration: unknown, exit 1.
"$MK" "$PKI/institution.crt" "$PKI/institution.key" --no-rule-set > "$T/norule.eml" || exit 99
xml_of "$T/norule.eml" > "$T/norule.xml"
grep -q '<baseLegal>' "$T/norule.xml" && bad "--no-rule-set still wrote baseLegal"
xmllint --noout --schema "$SCHEMA" "$T/norule.xml" 2>"$T/err" &&
    ok "xmllint --schema: acuse without a rule set" || bad "xmllint (no rule set): $(cat "$T/err")"
"$CTL" -c "$T/lft.conf" receipt verify --json --at "$AT" "$T/norule.eml" > "$T/out.json" 2>&1
[ $? -eq 1 ] && grep -q '"calendar": {"result": "unknown", "detail": "the acuse names no LegalBasis' "$T/out.json" &&
    ok "no rule set named: calendar unknown" || bad "no rule set: $(cat "$T/out.json")"

exit $fail
