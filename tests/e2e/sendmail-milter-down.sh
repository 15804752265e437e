#!/bin/bash
# sendmail-milter-down - through a real Sendmail, the milter down means 451
#
# Issue 13 item 4, the Postfix milter-down case with Sendmail (see
# tests/e2e/sendmail-lib.sh): the snippet's F=T makes Sendmail tempfail
# when the filter is unavailable (never started, or killed), for mail to
# the mailbox and for other mail, and keep nothing in its queue; with the
# milter up the same mail goes through.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/sendmail-lib.sh"

e2e_init sendmail-milter-down
sm_init
e2e_start_sink
e2e_start_postfix	# Sendmail here

# assert_tempfailed ID - 451 and nothing queued or delivered
assert_tempfailed()
{
	e2e_check "$1: expected a 451 reply" e2e_reply_has "$1" 451
	e2e_transcript_has "$1" 'Message accepted for delivery' &&
	    e2e_fail "$1: Sendmail accepted the message although the milter is down"
	[ "$(e2e_queue_count)" -eq 0 ] || e2e_fail "$1: a message sits in Sendmail's queue"
}

e2e_message "$E2E_DIR/a.eml" "$E2E_MAILBOX" >/dev/null
e2e_message "$E2E_DIR/b.eml" otro@empresa.test >/dev/null
e2e_send never-mailbox --to "$E2E_MAILBOX" --data "@$E2E_DIR/a.eml" &&
    e2e_fail "never-mailbox: swaks reported success"
assert_tempfailed never-mailbox
e2e_send never-other --to otro@empresa.test --data "@$E2E_DIR/b.eml" &&
    e2e_fail "never-other: swaks reported success"
assert_tempfailed never-other

e2e_start_milter
e2e_message "$E2E_DIR/c.eml" otro@empresa.test >/dev/null
e2e_send up --to otro@empresa.test --data "@$E2E_DIR/c.eml" ||
    e2e_fail "up: message refused with the milter running"
e2e_wait_sink 1

e2e_kill_milter
e2e_message "$E2E_DIR/d.eml" "$E2E_MAILBOX" >/dev/null
e2e_send killed --to "$E2E_MAILBOX" --data "@$E2E_DIR/d.eml" &&
    e2e_fail "killed: swaks reported success"
assert_tempfailed killed
[ "$(e2e_sink_count)" -eq 1 ] || e2e_fail "killed: something else reached the next hop"
e2e_finish
