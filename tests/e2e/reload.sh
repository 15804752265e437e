#!/bin/bash
# reload - SIGUSR1 loads a new configuration and the daemon keeps serving
#
# Issue 2: "SIGUSR1 reloads the configuration into a new generation without
# dropping connections; a bad new configuration is refused with a log line
# and the old one stays." The observable effect used is MailboxAddress:
#   1. start with buzon@imss.test: mail to it gets X-Buzon-Status, mail to
#      nuevo@imss.test passes untouched;
#   2. rewrite the file with nuevo@imss.test, SIGUSR1: now the opposite;
#   3. rewrite it broken (unknown key), SIGUSR1: refused with file:line in
#      the log, the daemon still runs with generation 2.
# An SMTP transaction left open across the first reload completes.
# The same daemon process serves all of it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init reload
# Mail for the mailbox must be signed now (issue 3): test PKI and trust.
. "$top_srcdir/tests/e2e/submission-lib.sh"
sub_plumbing_conf
e2e_conf MailboxAddress buzon@imss.test
e2e_start
pid=$E2E_MILTER_PID
n=0

# expect ID RCPT OURS - send to RCPT; OURS=yes: X-Buzon-Status at the sink,
# no: the message arrives untouched
expect()
{
	local id=$1 rcpt=$2 ours=$3 token got
	token=$(sub_signed "$E2E_DIR/$id.eml" "$rcpt")
	e2e_send "$id" --to "$rcpt" --data "@$E2E_DIR/$id.eml" ||
	    e2e_fail "$id: message refused"
	n=$((n + 1))
	e2e_wait_sink "$n"
	got=$E2E_DIR/$token.got
	e2e_received "$token" "$got"
	if [ "$ours" = yes ]; then
		[ "$(e2e_header_count X-Buzon-Status "$got")" -eq 1 ] ||
		    e2e_fail "$id: $rcpt should be the mailbox now, no X-Buzon-Status"
	else
		e2e_assert_untouched "$E2E_DIR/$id.eml" "$token"
	fi
	e2e_log "ok: $id: $rcpt ours=$ours"
}

# reload_count - lines in the daemon's log about a reload (done or refused)
reload_count()
{
	grep -E -i -c 'reload' "$E2E_DIR/milter.log"
}

# reload - send SIGUSR1 and wait until the daemon logged the attempt
reload()
{
	local before
	before=$(reload_count)
	kill -USR1 "$pid" || e2e_fail "cannot signal the milter"
	e2e_wait_until "$E2E_TIMEOUT" reload_logged_after "$before" ||
	    e2e_fail "the milter logged nothing about the reload"
}

# reload_logged_after N - more than N reload lines in the log now
reload_logged_after()
{
	[ "$(reload_count)" -gt "$1" ]
}

expect gen1-mailbox buzon@imss.test yes
expect gen1-other nuevo@imss.test no

# A transaction opened under generation 1 (RCPT to its mailbox) finishes
# after the reload: the connection is not dropped and the message is ours.
token=$(sub_signed "$E2E_DIR/inflight.eml" buzon@imss.test)
e2e_smtp_open
e2e_smtp_cmd 250 "EHLO client.empresa.test"
e2e_smtp_cmd 250 "MAIL FROM:<patron@empresa.test>"
e2e_smtp_cmd 250 "RCPT TO:<buzon@imss.test>"

e2e_conf MailboxAddress nuevo@imss.test
e2e_write_conf
reload
e2e_milter_alive || e2e_fail "the milter died on a good reload"

e2e_smtp_data "$E2E_DIR/inflight.eml" 250
queued=$E2E_SMTP_LAST
e2e_smtp_close
n=$((n + 1))
e2e_wait_sink "$n"
e2e_received "$token" "$E2E_DIR/inflight.got"
[ "$(e2e_header_count X-Buzon-Status "$E2E_DIR/inflight.got")" -eq 1 ] ||
    e2e_fail "in-flight message across the reload: no X-Buzon-Status"
e2e_log "ok: in-flight transaction survived the reload: $queued"
expect gen2-mailbox nuevo@imss.test yes
expect gen2-other buzon@imss.test no

cp "$E2E_DIR/milter.conf" "$E2E_DIR/milter.conf.good"
printf 'ClaveInventada si\n' >>"$E2E_DIR/milter.conf"
line=$(wc -l <"$E2E_DIR/milter.conf")
reload
e2e_milter_alive || e2e_fail "the milter died on a bad reload"
e2e_wait_milter_log "milter\.conf:$line: ClaveInventada: "
expect bad-kept-mailbox nuevo@imss.test yes
expect bad-kept-other buzon@imss.test no

[ "$E2E_MILTER_PID" = "$pid" ] || e2e_fail "the daemon was restarted, not reloaded"
e2e_finish
