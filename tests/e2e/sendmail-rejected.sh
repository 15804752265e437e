#!/bin/bash
# sendmail-rejected - through a real Sendmail, what is not a valid submission is refused
#
# Issue 13 item 4, the Postfix submission-rejected case with Sendmail (see
# tests/e2e/sendmail-lib.sh): an unsigned message and a CSD-signed one to
# the mailbox get the milter's 550 with their reason codes in Sendmail's
# reply, and nothing reaches the next hop or the store.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"
. "$top_srcdir/tests/e2e/sendmail-lib.sh"

e2e_init sendmail-rejected
sm_init
sub_pki_conf
e2e_start

sub_message "$E2E_DIR/unsigned.eml" none >/dev/null
e2e_send unsigned --to "$E2E_MAILBOX" --data "@$E2E_DIR/unsigned.eml" &&
    e2e_fail "unsigned: swaks reported success"
e2e_reply_has unsigned '550 5.7.1' || e2e_fail "unsigned: no 550 5.7.1: $(sub_last_reply unsigned)"
e2e_transcript_has unsigned 'BZ-MSG-UNSIGNED' || e2e_fail "unsigned: no BZ-MSG-UNSIGNED in the reply"

sub_message "$E2E_DIR/csd.eml" csd >/dev/null
e2e_send csd --to "$E2E_MAILBOX" --data "@$E2E_DIR/csd.eml" &&
    e2e_fail "csd: swaks reported success"
e2e_reply_has csd '550' || e2e_fail "csd: no 550: $(sub_last_reply csd)"
e2e_transcript_has csd 'BZ-CERT-CSD' || e2e_fail "csd: no BZ-CERT-CSD in the reply"

[ "$(e2e_sink_count)" -eq 0 ] || e2e_fail "a refused message reached the next hop"
[ "$(e2e_queue_count)" -eq 0 ] || e2e_fail "a refused message sits in Sendmail's queue"
n=$(sub_ctl store stats --json | grep -o '"submissions": *[0-9]*' | grep -o '[0-9]*$')
[ "${n:-0}" -eq 0 ] || e2e_fail "a refused message was recorded ($n submissions)"
e2e_finish
