#!/bin/bash
# submission-accepted - an e.firma-signed submission, end to end
#
# Issues 3 and 5 through the real Postfix: a message signed with the test
# PKI's e.firma (fisica) to the mailbox gets 250; at the sink arrive the
# forwarded message with our headers (status, signer RFC and noCertificado,
# verdicts, folio, arrival and legal instants, rule) AND the signed acuse,
# from <> to the sender, whose folio is the header's. The acuse passes
# buzonctl receipt verify, openssl cms -verify against the institution CA
# and xmllint --schema. The daemon runs under LegalBasis lft+cff and
# SubmissionFirstHour 09:30: the acuse names both, and still verifies once
# the configuration says lft and 00:00. The same signed content sent again
# is a repeat: the same folio; right after the first (RepeatResendInterval
# at its default, an hour) the acuse is not queued again (a replayed copy
# must not flood the employer); after a reload with RepeatResendInterval 0
# a third copy gets it again; the event chain holds.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

command -v xmllint >/dev/null 2>&1 || { echo "SKIP: xmllint not installed"; exit 77; }
e2e_init submission-accepted
sub_pki_conf
# Not the defaults: the acuse must name these, whatever the configuration
# says later. (The pinned clock is a working Monday: the headers below do
# not depend on them.)
e2e_conf LegalBasis lft+cff
e2e_conf SubmissionFirstHour 09:30
e2e_start

# --- the submission --------------------------------------------------------
tok=$(sub_message "$E2E_DIR/first.eml" efirma-fisica)
e2e_send first --to "$E2E_MAILBOX" --data "@$E2E_DIR/first.eml" ||
    e2e_fail "signed submission refused: $(sub_last_reply first)"
e2e_accepted first || e2e_fail "no 250 for the signed submission"

e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <$tok@" >/dev/null ||
    e2e_fail "the submission never reached the sink"
e2e_received "$tok" "$E2E_DIR/first.got"
got=$E2E_DIR/first.got
hv() { e2e_header_value "$1" "$got"; }

#	header			expected value (ERE, whole value)
rows=(
	"X-Buzon-Status		accepted"
	"X-Buzon-Signer-RFC	PEGJ800101AB3"
	"X-Buzon-Signer-Cert	30001000000700000001"
	"X-Buzon-Verdict	integrity=pass; trust=pass; identity=pass"
	"X-Buzon-Folio		BZ-2026-[0-9]{8}"
	"X-Buzon-Received	2026-06-01T06:00:00-06:00"
	"X-Buzon-Legal-Received	2026-06-01T06:00:00-06:00; rule=submission.arrival"
	"X-Buzon-Legal-Rule	submission.arrival"
)
for row in "${rows[@]}"; do
	IFS=$'\t' read -r name want <<<"$(tr -s '\t' <<<"$row")"
	[ "$(e2e_header_count "$name" "$got")" -eq 1 ] ||
	    e2e_fail "$name: expected exactly one, found $(e2e_header_count "$name" "$got")"
	value=$(hv "$name")
	[[ $value =~ ^$want$ ]] || e2e_fail "$name: '$value' does not match '$want'"
	e2e_log "ok: $name: $value"
done
folio=$(sub_folio "$got")
# Apart from our headers the message is the one sent.
e2e_drop_headers 'X-Buzon-[^:]*' "$got" >"$got.rest"
e2e_sent_text "$E2E_DIR/first.eml" | diff -u - "$got.rest" >"$E2E_DIR/diff.out" ||
    e2e_fail "message changed beyond the X-Buzon-* headers: $(cat "$E2E_DIR/diff.out")"
e2e_milter_log_has "accepted: folio $folio, integrity=pass" ||
    e2e_fail "no decision log line naming the folio"
e2e_milter_log_has "^.*: [A-Z0-9]+: accepted: folio" ||
    e2e_log "note: decision line without a queue id prefix"

# --- the acuse --------------------------------------------------------------
acuse=$E2E_DIR/acuse1.eml
sub_acuse "$folio" "$acuse"
e2e_check "acuse: null envelope sender" grep -q '^X-Mail-Args: <>$' "$acuse.raw"
e2e_check "acuse: to the address in the signer's certificate" grep -q '^X-Rcpt-Args: <juan.perez@pruebas.buzon.test>' "$acuse.raw"
e2e_check "acuse: Auto-Submitted" grep -q '^Auto-Submitted: auto-replied' "$acuse"
e2e_check "acuse: In-Reply-To the submission" grep -q "^In-Reply-To: <$tok@empresa.test>" "$acuse"
e2e_check "acuse: From the mailbox" grep -q -i "^From: .*$E2E_MAILBOX" "$acuse"

sub_ctl receipt verify --ca "$E2E_DIR/inst/institution-ca.crt" --schema "$SUB_SCHEMA" \
    "$acuse" >"$E2E_DIR/rv.out" 2>&1 ||
    e2e_fail "buzonctl receipt verify refused the acuse: $(cat "$E2E_DIR/rv.out")"
e2e_log "ok: buzonctl receipt verify"
"${OPENSSL:-openssl}" cms -verify -in "$acuse" -CAfile "$E2E_DIR/inst/institution-ca.crt" \
    -out /dev/null 2>"$E2E_DIR/cms.err" ||
    e2e_fail "openssl cms -verify: $(cat "$E2E_DIR/cms.err")"
e2e_log "ok: openssl cms -verify"
sub_xml_of "$acuse" >"$E2E_DIR/acuse1.xml"
xmllint --noout --schema "$SUB_SCHEMA" "$E2E_DIR/acuse1.xml" 2>"$E2E_DIR/xml.err" ||
    e2e_fail "xmllint --schema: $(cat "$E2E_DIR/xml.err")"
e2e_log "ok: xmllint --schema"
grep -q "$folio" "$E2E_DIR/acuse1.xml" || e2e_fail "the acuse XML does not name $folio"
grep -q 'PEGJ800101AB3' "$E2E_DIR/acuse1.xml" || e2e_fail "the acuse XML lacks the RFC"
e2e_check "acuse XML: the legal basis in force" grep -q '<baseLegal>lft+cff</baseLegal>' \
    "$E2E_DIR/acuse1.xml"
e2e_check "acuse XML: the first hour in force" grep -q '<primeraHora>09:30</primeraHora>' \
    "$E2E_DIR/acuse1.xml"
sub_ctl receipt show --json "$folio" >"$E2E_DIR/show.json" 2>&1 ||
    e2e_fail "receipt show: $(cat "$E2E_DIR/show.json")"
e2e_check "store: the filing records the rule set" \
    grep -q '"baseLegal": "lft+cff", "primeraHora": "09:30"' "$E2E_DIR/show.json"

# The operator changes the configuration afterwards: the acuse still
# verifies, with the rule set it names; an option contradicting it is refused.
e2e_conf LegalBasis lft
e2e_conf SubmissionFirstHour 00:00
e2e_write_conf "$E2E_DIR/changed.conf"
"$SUB_CTL" -c "$E2E_DIR/changed.conf" receipt verify "$acuse" >"$E2E_DIR/rv2.out" 2>&1 ||
    e2e_fail "after a configuration change the acuse no longer verifies: $(cat "$E2E_DIR/rv2.out")"
grep -q 'calendar  pass .*basis lft+cff, first hour 09:30$' "$E2E_DIR/rv2.out" ||
    e2e_fail "receipt verify did not use the acuse's rule set: $(cat "$E2E_DIR/rv2.out")"
e2e_log "ok: verifies under a changed configuration (lft, 00:00)"
"$SUB_CTL" -c "$E2E_DIR/changed.conf" receipt verify --basis lft "$acuse" \
    >"$E2E_DIR/rv3.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q -- '--basis lft disagrees with the acuse' "$E2E_DIR/rv3.out" ||
    e2e_fail "--basis lft against an lft+cff acuse: exit $rc: $(cat "$E2E_DIR/rv3.out")"
e2e_log "ok: --basis contradicting the acuse is refused"

# --- a repeat: the same signed content, another message -----------------------
# The signed entity of first.eml, re-wrapped with new outer headers.
body=$(sed -n 's/^Promocion de prueba \(bz[0-9]*\)\.\r$/\1/p' "$E2E_DIR/first.eml")
[ "$body" = "$tok" ] || e2e_fail "cannot find the signed text in first.eml"
awk 'BEGIN { hdr = 1 }
	hdr && /^Message-ID:/ { print "Message-ID: <again-" tok "@empresa.test>\r"; next }
	hdr && /^\r$/ { hdr = 0 } { print }' tok="$tok" "$E2E_DIR/first.eml" \
    >"$E2E_DIR/again.eml"
e2e_send again --to "$E2E_MAILBOX" --data "@$E2E_DIR/again.eml" ||
    e2e_fail "repeat refused: $(sub_last_reply again)"
e2e_accepted again || e2e_fail "no 250 for the repeat"
e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <again-$tok@" >/dev/null ||
    e2e_fail "the repeat never reached the sink"
e2e_received "again-$tok" "$E2E_DIR/again.got"
[ "$(sub_folio "$E2E_DIR/again.got")" = "$folio" ] ||
    e2e_fail "repeat: folio $(sub_folio "$E2E_DIR/again.got"), expected $folio"
[ "$(e2e_header_value X-Buzon-Repeat "$E2E_DIR/again.got")" = yes ] ||
    e2e_fail "repeat: no X-Buzon-Repeat: yes"
# Seconds after the first acuse, under the default RepeatResendInterval
# (3600): recorded, the folio, but no acuse queued again.
e2e_milter_log_has "accepted: folio $folio \(repeat\).*acuse not sent again \(rate limited\)" ||
    e2e_fail "repeat: the decision line does not say the acuse was rate limited"
[ "$(sub_ctl store outbox --all --json | grep -c "\"folio\": \"$folio\"")" -eq 1 ] ||
    e2e_fail "repeat within RepeatResendInterval: an acuse was queued again"
e2e_log "ok: repeat right after the filing: $folio, acuse not queued again"

# With RepeatResendInterval 0 (reloaded) every repeat queues it again: two
# copies of the same folio's acuse.
e2e_conf RepeatResendInterval 0
e2e_write_conf
kill -USR1 "$E2E_MILTER_PID" || e2e_fail "cannot signal the milter"
e2e_wait_milter_log "configuration reloaded from .*: generation 2" ||
    e2e_fail "the reload with RepeatResendInterval 0 did not happen"
sed "s/^Message-ID: <again-/Message-ID: <third-/" "$E2E_DIR/again.eml" >"$E2E_DIR/third.eml"
e2e_send third --to "$E2E_MAILBOX" --data "@$E2E_DIR/third.eml" ||
    e2e_fail "third copy refused: $(sub_last_reply third)"
e2e_accepted third || e2e_fail "no 250 for the third copy"
acuse_copies() {
	[ "$(grep -l -F "Subject: Acuse de recibo $folio" "$E2E_DIR"/sink/* \
	    2>/dev/null | grep -c .)" -ge "$1" ]
}
e2e_wait_until "$E2E_TIMEOUT" acuse_copies 2 ||
    e2e_fail "the acuse was not sent again for the repeat with RepeatResendInterval 0"

sub_ctl store verify-chain >"$E2E_DIR/chain.out" 2>&1 ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"
sub_ctl store stats --json >"$E2E_DIR/stats.out" 2>&1 ||
    e2e_fail "store stats: $(cat "$E2E_DIR/stats.out")"
grep -q '"submissions": 1' "$E2E_DIR/stats.out" ||
    e2e_fail "expected one submission recorded: $(cat "$E2E_DIR/stats.out")"
e2e_log "ok: repeat keeps $folio, chain intact"

e2e_finish
