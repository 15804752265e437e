#!/bin/bash
# local-submission - mail submitted on the box goes through the milter too
#
# non_smtpd_milters: mail injected with sendmail(1) (as the acuse will be)
# passes pickup and cleanup, which call the milter like smtpd does. Mail
# for the mailbox gets X-Buzon-Status and loses forged X-Buzon-* headers;
# other mail loses them too (issue 8) and arrives otherwise untouched.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init local-submission
# Mail for the mailbox must be signed now (issue 3): test PKI and trust.
. "$top_srcdir/tests/e2e/submission-lib.sh"
sub_plumbing_conf
e2e_start

ours=$(sub_signed "$E2E_DIR/ours.eml" buzon@imss.test 'X-Buzon-Status: aceptado FORJADO')
e2e_sendmail "$E2E_DIR/ours.eml" patron@empresa.test buzon@imss.test ||
    e2e_fail "sendmail refused the message for the mailbox"
other=$(sub_signed "$E2E_DIR/other.eml" otro@empresa.test 'X-Buzon-Nota: del remitente')
e2e_sendmail "$E2E_DIR/other.eml" patron@empresa.test otro@empresa.test ||
    e2e_fail "sendmail refused the other message"
e2e_wait_sink 2

got=$E2E_DIR/$ours.got
e2e_received "$ours" "$got"
[ "$(e2e_header_count X-Buzon-Status "$got")" -eq 1 ] ||
    e2e_fail "mailbox message: expected exactly one X-Buzon-Status"
e2e_headers "$got" | grep -q FORJADO && e2e_fail "mailbox message: forged header kept"
e2e_log "ok: local mailbox message: X-Buzon-Status: $(e2e_header_value X-Buzon-Status "$got")"

got=$E2E_DIR/$other.got
e2e_received "$other" "$got"
[ "$(e2e_header_count 'X-Buzon-[^:]*' "$got")" -eq 0 ] ||
    e2e_fail "other message: its X-Buzon-Nota reached the sink"
e2e_drop_headers 'X-Buzon-[^:]*' "$E2E_DIR/other.eml" | e2e_sent_text /dev/stdin |
    diff -u - "$got" || e2e_fail "other message: changed beyond the X-Buzon-* header"
e2e_log "ok: local other message untouched but for its X-Buzon-* header"

e2e_finish
