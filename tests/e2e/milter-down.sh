#!/bin/bash
# milter-down - with the milter unreachable Postfix answers 451 and keeps nothing
#
# milter_default_action = tempfail: when the daemon is not running (never
# started, or killed), smtpd must refuse the mail temporarily, so the
# message stays with the sending client and is retried later. Nothing may
# reach the next hop unfiltered, and nothing may sit in Postfix's queue.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init milter-down
e2e_start_sink
e2e_start_postfix

# assert_tempfailed ID - the transaction got 451 and Postfix queued nothing
assert_tempfailed()
{
	local id=$1
	e2e_check "$id: expected a 451 reply" e2e_reply_has "$id" 451
	if e2e_transcript_has "$id" 'queued as'; then
		e2e_fail "$id: Postfix accepted the message although the milter is down"
	fi
	[ "$(e2e_queue_count)" -eq 0 ] || e2e_fail "$id: a message sits in Postfix's queue"
}

# 1. The milter was never started: both mailbox and other mail tempfail.
e2e_message "$E2E_DIR/a.eml" "$E2E_MAILBOX" >/dev/null
e2e_message "$E2E_DIR/b.eml" otro@empresa.test >/dev/null
e2e_send never-mailbox --to "$E2E_MAILBOX" --data "@$E2E_DIR/a.eml" &&
    e2e_fail "never-mailbox: swaks reported success"
assert_tempfailed never-mailbox
e2e_send never-other --to otro@empresa.test --data "@$E2E_DIR/b.eml" &&
    e2e_fail "never-other: swaks reported success"
assert_tempfailed never-other
e2e_wait_maillog "warning: connect to Milter service unix:$E2E_SOCKET"

# 2. Up, the same kind of message goes through (the bench itself works)...
e2e_start_milter
e2e_message "$E2E_DIR/c.eml" otro@empresa.test >/dev/null
e2e_send up --to otro@empresa.test --data "@$E2E_DIR/c.eml" ||
    e2e_fail "up: message refused with the milter running"
e2e_wait_sink 1

# 3. ...then the daemon dies (SIGKILL, as in a crash): 451 again, and the
# message already delivered stays the only one at the sink.
e2e_kill_milter
e2e_message "$E2E_DIR/d.eml" "$E2E_MAILBOX" >/dev/null
e2e_send killed --to "$E2E_MAILBOX" --data "@$E2E_DIR/d.eml" &&
    e2e_fail "killed: swaks reported success"
assert_tempfailed killed
[ "$(e2e_sink_count)" -eq 1 ] ||
    e2e_fail "expected 1 message at the sink, found $(e2e_sink_count)"

e2e_finish
