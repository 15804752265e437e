#!/bin/bash
# acuse-recipient - the Institute's signed acuse goes only to the signer
#
# Issue 8, item 3, through the real Postfix. MAIL FROM is not
# authenticated: a signed submission sent with MAIL FROM
# victima@otro-dominio.test and a phishing Subject gets its acuse at the
# address in the signer's certificate (emailAddress,
# juan.perez@pruebas.buzon.test), never at the victim's, and the acuse
# (text and XML) does not quote the Subject or the Message-ID, top-level
# headers no signature covers. A repeat of the same signed content from
# yet another MAIL FROM gets its acuse at the same address as the
# original's. A MAIL FROM that is the certificate's address in other
# letter case gets exactly one acuse, there. A valid e.firma without an
# e-mail address (test PKI: efirma-sincorreo) is filed, its acuse kept,
# but sent to no one, and the decision line says why. The records and the
# event chain stay intact.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

e2e_init acuse-recipient
sub_pki_conf
e2e_conf RepeatResendInterval 0
e2e_start

CERT_ADDR=juan.perez@pruebas.buzon.test
PHISH='URGENTE su cuenta sera suspendida entre a http://phish.example/login'

# rcpts_of FILE - the envelope recipients smtp-sink recorded for a sink file
rcpts_of() { tr -d '\r' <"$1" | sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p'; }
# acuse_files FOLIO - the sink files holding an acuse of FOLIO
acuse_files() { grep -l -F "Subject: Acuse de recibo $1" "$E2E_DIR"/sink/* 2>/dev/null; }
acuse_count() { [ "$(acuse_files "$1" | grep -c .)" -ge "$2" ]; }
# text_of ACUSE - the decoded text/plain part of an acuse mail
text_of()
{
	tr -d '\r' <"$1" | awk '
		/^Content-Type: text\/plain/ { intext = 1; next }
		intext && !body && $0 == "" { body = 1; next }
		body && /^--/ { exit }
		body { print }' | base64 -d
}

# --- the phishing attempt ---------------------------------------------------
tok=$(sub_message "$E2E_DIR/phish.eml" efirma-fisica)
sed -i "s|^Subject: .*|Subject: $PHISH $tok\r|" "$E2E_DIR/phish.eml"
sub_deliver phish victima@otro-dominio.test "$E2E_DIR/phish.eml" "$tok@"
folio=$(sub_folio "$E2E_DIR/phish.got")
[ -n "$folio" ] || e2e_fail "no folio on the accepted submission"
sub_acuse "$folio" "$E2E_DIR/acuse1.eml"
[ "$(rcpts_of "$E2E_DIR/acuse1.eml.raw")" = "$CERT_ADDR" ] ||
    e2e_fail "acuse recipients: '$(rcpts_of "$E2E_DIR/acuse1.eml.raw")', expected only $CERT_ADDR"
e2e_log "ok: the acuse went to the certificate's address only"
e2e_check "acuse: To the certificate's address" grep -q "^To: <$CERT_ADDR>" "$E2E_DIR/acuse1.eml"
if grep -l -i 'X-Rcpt-Args: <victima@otro-dominio.test>' "$E2E_DIR"/sink/* >/dev/null 2>&1; then
	e2e_fail "something signed by the Institute reached victima@otro-dominio.test"
fi
e2e_log "ok: nothing reached the MAIL FROM"
sub_xml_of "$E2E_DIR/acuse1.eml" >"$E2E_DIR/acuse1.xml"
text_of "$E2E_DIR/acuse1.eml" >"$E2E_DIR/acuse1.txt"
[ -s "$E2E_DIR/acuse1.xml" ] && [ -s "$E2E_DIR/acuse1.txt" ] ||
    e2e_fail "cannot decode the acuse's parts"
for f in acuse1.xml acuse1.txt; do
	if grep -q -e URGENTE -e phish.example -e "$tok" "$E2E_DIR/$f"; then
		e2e_fail "$f quotes the unsigned Subject or Message-ID: $(grep -e URGENTE -e "$tok" "$E2E_DIR/$f")"
	fi
done
e2e_log "ok: the acuse quotes neither the Subject nor the Message-ID"
sub_ctl receipt verify --ca "$E2E_DIR/inst/institution-ca.crt" --schema "$SUB_SCHEMA" \
    "$E2E_DIR/acuse1.eml" >"$E2E_DIR/rv.out" 2>&1 ||
    e2e_fail "receipt verify: $(cat "$E2E_DIR/rv.out")"
e2e_log "ok: the acuse verifies"

# --- a repeat from yet another MAIL FROM ------------------------------------
awk 'BEGIN { hdr = 1 }
	hdr && /^Message-ID:/ { print "Message-ID: <again-" tok "@otro.test>\r"; next }
	hdr && /^\r$/ { hdr = 0 } { print }' tok="$tok" "$E2E_DIR/phish.eml" >"$E2E_DIR/again.eml"
e2e_send again --from tercero@otro.test --to "$E2E_MAILBOX" --data "@$E2E_DIR/again.eml" ||
    e2e_fail "repeat refused: $(sub_last_reply again)"
e2e_accepted again || e2e_fail "no 250 for the repeat"
e2e_wait_until "$E2E_TIMEOUT" acuse_count "$folio" 2 ||
    e2e_fail "the repeat's acuse never reached the sink"
e2e_wait_until "$E2E_TIMEOUT" sub_sink_complete || e2e_fail "sink files incomplete"
for f in $(acuse_files "$folio"); do
	[ "$(rcpts_of "$f")" = "$CERT_ADDR" ] ||
	    e2e_fail "an acuse of $folio went to '$(rcpts_of "$f")'"
done
if grep -l -i 'X-Rcpt-Args: <tercero@otro.test>' "$E2E_DIR"/sink/* >/dev/null 2>&1; then
	e2e_fail "the repeat's acuse reached its MAIL FROM"
fi
e2e_log "ok: the repeat's acuse went where the original's did"

# --- MAIL FROM is the certificate's address (other letter case) -------------
tok2=$(sub_message "$E2E_DIR/own.eml" efirma-fisica)
sub_deliver own JUAN.Perez@Pruebas.Buzon.Test "$E2E_DIR/own.eml" "$tok2@"
folio2=$(sub_folio "$E2E_DIR/own.got")
sub_acuse "$folio2" "$E2E_DIR/acuse2.eml"
[ "$(rcpts_of "$E2E_DIR/acuse2.eml.raw" | tr 'A-Z' 'a-z')" = "$CERT_ADDR" ] ||
    e2e_fail "acuse of $folio2 recipients: '$(rcpts_of "$E2E_DIR/acuse2.eml.raw")'"
[ "$(acuse_files "$folio2" | grep -c .)" -eq 1 ] ||
    e2e_fail "MAIL FROM equal to the certificate's address: $(acuse_files "$folio2" | grep -c .) acuses"
e2e_log "ok: MAIL FROM equal to the certificate's address: one acuse, there"

# --- a certificate without an e-mail address --------------------------------
tok3=$(sub_message "$E2E_DIR/nomail.eml" efirma-sincorreo)
sub_deliver nomail victima@otro-dominio.test "$E2E_DIR/nomail.eml" "$tok3@"
folio3=$(sub_folio "$E2E_DIR/nomail.got")
[ -n "$folio3" ] || e2e_fail "no folio for the submission without an address"
e2e_milter_log_has "accepted: folio $folio3, .*acuse not sent \(no usable e-mail address in the signer's certificate\)" ||
    e2e_fail "the decision line does not say why no acuse was sent"
e2e_wait_until "$E2E_TIMEOUT" sub_all_signed || e2e_fail "the acuse of $folio3 was never signed"
sub_ctl store outbox --all --json >"$E2E_DIR/outbox.json"
if grep -q "\"folio\": \"$folio3\"" "$E2E_DIR/outbox.json"; then
	e2e_fail "an acuse was queued for $folio3: $(cat "$E2E_DIR/outbox.json")"
fi
sub_ctl receipt show "$folio3" >"$E2E_DIR/show3.out" 2>&1 ||
    e2e_fail "receipt show $folio3: $(cat "$E2E_DIR/show3.out")"
grep -q "SICO800101AB1" "$E2E_DIR/show3.out" && grep -q "Estado del acuse: none" "$E2E_DIR/show3.out" ||
    e2e_fail "receipt show $folio3: $(cat "$E2E_DIR/show3.out")"
sub_ctl receipt resend "$folio3" >"$E2E_DIR/resend3.out" 2>&1
[ $? -eq 1 ] || e2e_fail "receipt resend of a filing with no addressee: $(cat "$E2E_DIR/resend3.out")"
e2e_log "ok: no e-mail address in the certificate: filed, acuse kept, sent to no one"

sub_ctl store verify-chain >"$E2E_DIR/chain.out" 2>&1 ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"
grep -q "records: 3 match their event, 0 altered" "$E2E_DIR/chain.out" ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"
e2e_log "ok: chain and records intact"
e2e_finish
