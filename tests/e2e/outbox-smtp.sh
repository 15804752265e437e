#!/bin/bash
# outbox-smtp - acuses reach the MTA over SMTP, through a server that is
# down at first, then over one persistent session
#
# Issue 12: "Hand acuses to the MTA over SMTP through a persistent
# connection (SubmissionServer ...; several messages per connection,
# reconnect and retry on failure) ... make it the default"; the outbox
# keeps its promise: nothing lost, retried on failure. The daemon runs
# with the default OutboxTransport (smtp) and SubmissionServer on a second
# listener of the same throwaway Postfix that does not exist yet:
#   1. a signed submission is accepted; its acuse's hand-off fails
#      (connection refused) and is retried, the row stays pending, nothing
#      but the submission reaches the sink;
#   2. the listener is added (master.cf, postfix reload): the retried acuse
#      arrives from the null sender <> to the signer's address;
#   3. three more submissions: their acuses arrive over one SMTP
#      connection (the listener logs under its own syslog name: one
#      "connect from" for the three), and every outbox row is sent.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

e2e_init outbox-smtp
sub_pki_conf
OUT_PORT=$(e2e_reserve_port) || exit 99
E2E_PORTS+=("$OUT_PORT")
e2e_conf SubmissionServer "inet:$OUT_PORT@127.0.0.1"
e2e_start

# out_connects - SMTP sessions opened on the outbox's listener so far
out_connects()
{
	grep -c 'postfix/outbox/smtpd\[[0-9]*\]: connect from' "$E2E_DIR/maillog" 2>/dev/null
}

# --- 1. the server is down ----------------------------------------------------
tok=$(sub_message "$E2E_DIR/first.eml" efirma-fisica)
e2e_send first --to "$E2E_MAILBOX" --data "@$E2E_DIR/first.eml" ||
    e2e_fail "signed submission refused: $(sub_last_reply first)"
e2e_accepted first || e2e_fail "no 250 for the signed submission"
e2e_wait_milter_log "outbox [0-9]+: acuse BZ-[0-9-]+: attempt 2 failed, retry in [0-9]+s: SMTP to smtp://127.0.0.1:$OUT_PORT/"
e2e_wait_sink 1
e2e_received "$tok" "$E2E_DIR/first.got"
folio=$(sub_folio "$E2E_DIR/first.got")
[ -n "$folio" ] || e2e_fail "the submission carries no folio"
sub_ctl store outbox >"$E2E_DIR/outbox1.out" || e2e_fail "buzonctl store outbox failed"
e2e_check "the acuse is pending with the SMTP error" \
    grep -E -q "pending acuse $folio .* error=SMTP to smtp://127.0.0.1:$OUT_PORT/" "$E2E_DIR/outbox1.out"
[ "$(e2e_sink_count)" -eq 1 ] || e2e_fail "something besides the submission reached the sink"
e2e_log "ok: server down: $folio pending, retried"

# --- 2. the server comes up -----------------------------------------------------
printf '127.0.0.1:%s inet n - n - - smtpd -o syslog_name=postfix/outbox\n' "$OUT_PORT" \
    >>"$E2E_DIR/postfix/master.cf"
e2e_postfix reload >"$E2E_DIR/reload.out" 2>&1 || e2e_fail "postfix reload failed"
sub_acuse "$folio" "$E2E_DIR/acuse1"
e2e_maillog_has 'to=<juan.perez@pruebas.buzon.test>.* status=sent' ||
    e2e_fail "the acuse was not delivered to the certificate's address"
e2e_maillog_has 'postfix/outbox/smtpd\[[0-9]+\]: [0-9A-F]+: client=' ||
    e2e_fail "the acuse did not come in through the outbox's listener"
e2e_maillog_has 'from=<>, size=' || e2e_fail "the acuse was not sent from the null sender"
e2e_log "ok: server up: the acuse of $folio delivered"

# --- 3. several acuses, one connection -------------------------------------------
before=$(out_connects)
for i in 2 3 4; do
	sub_message "$E2E_DIR/m$i.eml" efirma-fisica >/dev/null
	e2e_send "m$i" --to "$E2E_MAILBOX" --data "@$E2E_DIR/m$i.eml" ||
	    e2e_fail "submission $i refused: $(sub_last_reply "m$i")"
done
e2e_wait_sink 8	# 4 submissions, 4 acuses
after=$(out_connects)
[ "$((after - before))" -le 1 ] ||
    e2e_fail "the acuses took $((after - before)) SMTP connections, not one"
sub_ctl store outbox --all >"$E2E_DIR/outbox2.out" || e2e_fail "buzonctl store outbox failed"
[ "$(grep -c ' sent acuse ' "$E2E_DIR/outbox2.out")" -eq 4 ] ||
    { cat "$E2E_DIR/outbox2.out"; e2e_fail "not every outbox row is sent"; }
e2e_log "ok: 3 acuses over $((after - before)) new connection(s), 4 rows sent"
e2e_finish
