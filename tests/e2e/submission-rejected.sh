#!/bin/bash
# submission-rejected - what is not a valid e.firma submission never gets in
#
# Issue 3 through the real Postfix: a CSD-signed message, an unsigned one,
# a tampered one, one signed with an expired e.firma, one under an unpinned
# CA, one signed with SHA-1, one truncated in transit and (with Revocation
# crl) one signed with a revoked e.firma are refused with 550 and their
# reason codes in the SMTP reply; every reason that
# `buzonctl verify` finds for the same file is in the reply (a multi-line
# reply lists all of them). None of them reaches the sink or the store.
# A forged X-Buzon-Folio on a genuine submission is replaced by ours.
# With the revocation service down (RevocationFailure tempfail) a valid
# submission is deferred with 451 4.7.0, while a tampered one is still
# rejected 550 without asking the responder.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

e2e_init submission-rejected
sub_pki_conf
e2e_start

# tamper FILE - change one letter of the signed text in place
tamper()
{
	sed -i -e 's/^Promocion de prueba/Promocian de prueba/' "$1"
	grep -q '^Promocian de prueba' "$1" || e2e_fail "tamper: nothing changed in $1"
}

# reasons_of FILE - the reason codes buzonctl verify gives (one a line)
reasons_of()
{
	sub_ctl verify --json "$1" 2>/dev/null |
	    grep -o '"code": "BZ-[A-Z0-9-]*"' | sed 's/.*"\(BZ-[^"]*\)"/\1/'
}

# cut FILE - drop the last lines (close delimiter and the end of the
# base64 signature): a message truncated in transit
cut_short()
{
	head -n -6 "$1" >"$1.cut" && mv "$1.cut" "$1"
}

# change: yes flips a letter of the signed text, sha1 signs with SHA-1,
# cut truncates the signed message. "class" is the enhanced status class
# of the reply (the first reason's): every rejection of a submission is
# 5.7.x (security: what cannot be verified is refused), as issue 3 asks.
#	name		leaf		change	SMTP	class	code in the reply
rows=(
	"csd		csd		no	550	5.7	BZ-CERT-CSD"
	"unsigned	none		no	550	5.7	BZ-MSG-UNSIGNED"
	"tampered	efirma-fisica	yes	550	5.7	BZ-SIG-INVALID"
	"expired	expired		no	550	5.7	BZ-CERT-EXPIRED"
	"otherca	efirma-otherca	no	550	5.7	BZ-CERT-UNTRUSTED"
	"weakdigest	efirma-fisica	sha1	550	5.7	BZ-DIGEST-WEAK"
	"truncated	efirma-fisica	cut	550	5.7	BZ-MSG-MALFORMED"
)
refused=()
for row in "${rows[@]}"; do
	read -r name leaf tamp code class reason <<<"$row"
	if [ "$tamp" = sha1 ]; then
		tok=$(SUB_MD=sha1 sub_message "$E2E_DIR/$name.eml" "$leaf")
	else
		tok=$(sub_message "$E2E_DIR/$name.eml" "$leaf")
	fi
	[ "$tamp" = yes ] && tamper "$E2E_DIR/$name.eml"
	[ "$tamp" = cut ] && cut_short "$E2E_DIR/$name.eml"
	e2e_send "$name" --to "$E2E_MAILBOX" --data "@$E2E_DIR/$name.eml"
	e2e_reply_has "$name" "$code" ||
	    e2e_fail "$name: expected $code, got: $(sub_last_reply "$name")"
	e2e_transcript_has "$name" "$code[- ]${class//./\\.}\.[0-9] $reason " ||
	    e2e_fail "$name: $reason not in the reply"
	e2e_transcript_has "$name" 'queued as' && e2e_fail "$name: Postfix queued it"
	# every reason buzonctl verify finds is in the SMTP reply
	n=0
	for r in $(reasons_of "$E2E_DIR/$name.eml"); do
		e2e_transcript_has "$name" "$code[- ][0-9.]+ $r " ||
		    e2e_fail "$name: reason $r (buzonctl verify) missing from the reply"
		n=$((n + 1))
	done
	[ "$n" -ge 1 ] || e2e_fail "$name: buzonctl verify found no reason"
	e2e_milter_log_has "rejected: .*reasons .*$reason" ||
	    e2e_fail "$name: no rejection log line with $reason"
	refused+=("$tok")
	e2e_log "ok: $name: $code $reason ($n reason(s), all in the reply)"
done
# the log has the English texts
e2e_milter_log_has 'BZ-CERT-CSD: [a-z]' || e2e_fail "no English text for BZ-CERT-CSD"

# --- a forged folio on a genuine submission ----------------------------------
tok=$(sub_message "$E2E_DIR/forged.eml" efirma-moral 'X-Buzon-Folio: BZ-2026-99999999' \
    'X-Buzon-Status: accepted')
e2e_send forged --to "$E2E_MAILBOX" --data "@$E2E_DIR/forged.eml" ||
    e2e_fail "forged: refused: $(sub_last_reply forged)"
e2e_accepted forged || e2e_fail "forged: no 250"
e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <$tok@" >/dev/null ||
    e2e_fail "forged: the submission never reached the sink"
e2e_received "$tok" "$E2E_DIR/forged.got"
[ "$(e2e_header_count X-Buzon-Folio "$E2E_DIR/forged.got")" -eq 1 ] ||
    e2e_fail "forged: expected exactly one X-Buzon-Folio"
[ "$(e2e_header_count X-Buzon-Status "$E2E_DIR/forged.got")" -eq 1 ] ||
    e2e_fail "forged: expected exactly one X-Buzon-Status"
folio=$(sub_folio "$E2E_DIR/forged.got")
[[ $folio =~ ^BZ-2026-[0-9]{8}$ ]] && [ "$folio" != BZ-2026-99999999 ] ||
    e2e_fail "forged: the folio at the sink is '$folio'"
[ "$(e2e_header_value X-Buzon-Signer-RFC "$E2E_DIR/forged.got")" = EBU200101AB8 ] ||
    e2e_fail "forged: persona moral RFC not in X-Buzon-Signer-RFC"
sub_acuse "$folio" "$E2E_DIR/forged-acuse.eml"
e2e_log "ok: forged folio replaced by $folio"

# --- nothing refused reached the sink or the store ---------------------------
sentinel=$(e2e_message "$E2E_DIR/sentinel.eml" otro@empresa.test)
e2e_send sentinel --to otro@empresa.test --data "@$E2E_DIR/sentinel.eml" ||
    e2e_fail "sentinel refused"
e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "$sentinel" >/dev/null ||
    e2e_fail "sentinel did not arrive"
for tok in "${refused[@]}"; do
	e2e_sink_find "$tok" >/dev/null && e2e_fail "refused message $tok reached the sink"
done
[ "$(e2e_sink_count)" -eq 3 ] ||
    e2e_fail "expected 3 messages at the sink (submission, acuse, sentinel), found $(e2e_sink_count)"
sub_ctl store stats --json >"$E2E_DIR/stats.out" 2>&1 ||
    e2e_fail "store stats: $(cat "$E2E_DIR/stats.out")"
grep -q '"submissions": 1,' "$E2E_DIR/stats.out" ||
    e2e_fail "refused messages were recorded: $(cat "$E2E_DIR/stats.out")"

# --- revocation service down ---------------------------------------------------
e2e_stop_milter
e2e_conf Revocation ocsp
e2e_conf OCSPResponder http://127.0.0.1:9/
e2e_conf OCSPTimeout 2
e2e_conf RevocationFailure tempfail
e2e_start_milter
sub_message "$E2E_DIR/ocsp.eml" efirma-fisica >/dev/null
e2e_send ocsp --to "$E2E_MAILBOX" --data "@$E2E_DIR/ocsp.eml"
e2e_reply_has ocsp 451 && e2e_transcript_has ocsp '451[- ]4\.7\.0 BZ-REVOCATION-UNAVAILABLE ' ||
    e2e_fail "OCSP down: expected 451 4.7.0 BZ-REVOCATION-UNAVAILABLE: $(sub_last_reply ocsp)"
sub_message "$E2E_DIR/ocsp-tampered.eml" efirma-fisica >/dev/null
tamper "$E2E_DIR/ocsp-tampered.eml"
e2e_send ocsp-tampered --to "$E2E_MAILBOX" --data "@$E2E_DIR/ocsp-tampered.eml"
e2e_reply_has ocsp-tampered 550 && e2e_transcript_has ocsp-tampered 'BZ-SIG-INVALID' ||
    e2e_fail "OCSP down, tampered: expected 550 BZ-SIG-INVALID: $(sub_last_reply ocsp-tampered)"
e2e_transcript_has ocsp-tampered 'BZ-REVOCATION-UNAVAILABLE' &&
    e2e_fail "OCSP down, tampered: the responder was asked for a tampered message"
e2e_log "ok: OCSP down: 451 for a valid submission, 550 for a tampered one"

# --- revoked (Revocation crl) --------------------------------------------------
e2e_stop_milter
mkdir -p "$E2E_DIR/files/crl"
chmod 0755 "$E2E_DIR/files" "$E2E_DIR/files/crl"
cp "$SUB_PKI/crl/ca.crl.pem" "$E2E_DIR/files/crl/" && chmod 0644 "$E2E_DIR/files/crl/ca.crl.pem" ||
    e2e_fail "cannot install the CRL"
e2e_conf Revocation crl
e2e_conf CRLDirectory "$E2E_DIR/files/crl"
e2e_start_milter
tok=$(sub_message "$E2E_DIR/revoked.eml" revoked)
e2e_send revoked --to "$E2E_MAILBOX" --data "@$E2E_DIR/revoked.eml"
e2e_reply_has revoked 550 && e2e_transcript_has revoked '550[- ]5\.7\.1 BZ-CERT-REVOKED ' ||
    e2e_fail "revoked: expected 550 5.7.1 BZ-CERT-REVOKED: $(sub_last_reply revoked)"
e2e_transcript_has revoked 'queued as' && e2e_fail "revoked: Postfix queued it"
e2e_log "ok: revoked: 550 5.7.1 BZ-CERT-REVOKED"

e2e_finish
