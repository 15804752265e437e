#!/bin/bash
# sendmail-accepted - through a real Sendmail, a signed submission gets its acuse
#
# Issue 13 item 4, the Postfix submission-accepted case with Sendmail (see
# tests/e2e/sendmail-lib.sh): an e.firma-signed message to the mailbox is
# accepted (250), reaches the next hop with X-Buzon-Status accepted and a
# folio, and the acuse the daemon hands back to Sendmail (over SMTP,
# tests/e2e/smtp-sendmail.sh) reaches the signer's address at the next
# hop and passes buzonctl receipt verify.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"
. "$top_srcdir/tests/e2e/sendmail-lib.sh"

e2e_init sendmail-accepted
sm_init
sub_pki_conf
e2e_start

tok=$(sub_message "$E2E_DIR/first.eml" efirma-fisica)
e2e_send first --to "$E2E_MAILBOX" --data "@$E2E_DIR/first.eml" ||
    e2e_fail "signed submission refused: $(sub_last_reply first)"
e2e_accepted first || e2e_fail "no 250 for the signed submission"
e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <$tok@" >/dev/null ||
    e2e_fail "the submission never reached the next hop"
e2e_received "$tok" "$E2E_DIR/first.got"
[ "$(e2e_header_value X-Buzon-Status "$E2E_DIR/first.got")" = accepted ] ||
    e2e_fail "X-Buzon-Status is not accepted"
folio=$(sub_folio "$E2E_DIR/first.got")
[[ $folio =~ ^BZ-2026-[0-9]{8}$ ]] || e2e_fail "no folio: '$folio'"
e2e_milter_log_has "accepted: folio $folio" || e2e_fail "no decision line for $folio"

sub_acuse "$folio" "$E2E_DIR/acuse.eml"
e2e_check "acuse: to the address in the signer's certificate" \
    grep -q '^X-Rcpt-Args: <juan.perez@pruebas.buzon.test>' "$E2E_DIR/acuse.eml.raw"
sub_ctl receipt verify --ca "$E2E_DIR/inst/institution-ca.crt" --schema "$SUB_SCHEMA" \
    "$E2E_DIR/acuse.eml" >"$E2E_DIR/rv.out" 2>&1 ||
    e2e_fail "buzonctl receipt verify refused the acuse: $(cat "$E2E_DIR/rv.out")"
e2e_log "ok: acuse for $folio through Sendmail verifies"
e2e_finish
