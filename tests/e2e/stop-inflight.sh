#!/bin/bash
# stop-inflight - SIGTERM lets a transaction in progress finish, through Postfix
#
# Issue 2: "SIGTERM/SIGINT stop cleanly (in-flight messages finish)".
# An SMTP session has passed RCPT to the mailbox when the daemon gets
# SIGTERM. While it drains, a new SMTP session is refused temporarily (451:
# nothing accepted unfiltered); the first transaction then sends its DATA
# and is accepted with X-Buzon-Status; the daemon exits 0 once idle.
# Afterwards Postfix answers 451 (milter gone), nothing lost.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init stop-inflight
# Mail for the mailbox must be signed now (issue 3): test PKI and trust.
. "$top_srcdir/tests/e2e/submission-lib.sh"
sub_plumbing_conf
e2e_start

token=$(sub_signed "$E2E_DIR/inflight.eml" buzon@imss.test)
e2e_smtp_open
e2e_smtp_cmd 250 "EHLO client.empresa.test"
e2e_smtp_cmd 250 "MAIL FROM:<patron@empresa.test>"
e2e_smtp_cmd 250 "RCPT TO:<buzon@imss.test>"

kill -TERM "$E2E_MILTER_PID" || e2e_fail "cannot signal the milter"
e2e_wait_milter_log 'stopping'

# During the drain a new session must not get through unfiltered.
late=$(sub_signed "$E2E_DIR/late.eml" buzon@imss.test)
e2e_send late --to buzon@imss.test --data "@$E2E_DIR/late.eml" &&
    e2e_fail "late: accepted while the milter was stopping"
e2e_reply_has late 451 || e2e_fail "late: expected a 451 while the milter drains"

e2e_smtp_data "$E2E_DIR/inflight.eml" 250
e2e_log "ok: in-flight transaction finished after SIGTERM: $E2E_SMTP_LAST"
e2e_smtp_close
e2e_wait_sink 1
e2e_received "$token" "$E2E_DIR/inflight.got"
[ "$(e2e_header_count X-Buzon-Status "$E2E_DIR/inflight.got")" -eq 1 ] ||
    e2e_fail "in-flight message: no X-Buzon-Status"

# The daemon now exits by itself, cleanly.
e2e_stop_milter none

after=$(sub_signed "$E2E_DIR/after.eml" buzon@imss.test)
e2e_send after --to buzon@imss.test --data "@$E2E_DIR/after.eml" &&
    e2e_fail "after: accepted with the milter stopped"
e2e_reply_has after 451 || e2e_fail "after: expected 451 with the milter stopped"
[ "$(e2e_sink_count)" -eq 1 ] || e2e_fail "expected only the in-flight message at the sink"
e2e_sink_find "$late" >/dev/null && e2e_fail "the late message reached the sink"

e2e_finish
