#!/bin/bash
# oversize - a message for the mailbox over MaxMessageSize gets 552 5.3.4
#
# Issue 2: "over MaxMessageSize it is rejected with 552 5.3.4 and a coded
# reason" (BZ-MSG-TOO-LARGE). The limit is the milter's, not Postfix's
# (message_size_limit is 100 MB here): a message of the same size for
# another address passes, and one for the mailbox under the limit (larger
# than SpoolMemoryLimit, so it goes through the file spool) passes too.
# A rejected message never reaches the sink: a last small message is sent
# after the rejected ones and, once it arrived, the sink must hold exactly
# the accepted ones.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init oversize
# Mail for the mailbox must be signed now (issue 3): test PKI and trust.
. "$top_srcdir/tests/e2e/submission-lib.sh"
sub_plumbing_conf
e2e_conf MaxMessageSize 64K
e2e_conf SpoolMemoryLimit 8K
e2e_start

# big_message FILE TO KBYTES - a message of about KBYTES KiB; prints its token
big_message()
{
	local file=$1 to=$2 kb=$3 token i line
	token=$(sub_signed "$file" "$to")
	line=$(printf 'relleno %s %070d' "$token" 0 | cut -c1-78)
	for ((i = 0; i < kb * 1024 / 80; i++)); do
		printf '%s\r\n' "$line"
	done >>"$file"
	echo "$token"
}

#	name		recipient		KiB	expected outcome
rows=(
	"over-mailbox	buzon@imss.test		200	reject"
	"just-over	buzon@imss.test		66	reject"
	"under-mailbox	buzon@imss.test		40	accept"
	"over-other	otro@empresa.test	200	accept"
	"over-uppercase	BUZON@IMSS.TEST		200	reject"
)

accepted=()
rejected=()
for row in "${rows[@]}"; do
	read -r name rcpt kb outcome <<<"$row"
	token=$(big_message "$E2E_DIR/$name.eml" "$rcpt" "$kb")
	e2e_send "$name" --to "$rcpt" --data "@$E2E_DIR/$name.eml"
	case $outcome in
	reject)
		e2e_reply_has "$name" '552 5.3.4' ||
		    e2e_fail "$name: expected a 552 5.3.4 reply"
		e2e_transcript_has "$name" 'BZ-MSG-TOO-LARGE' ||
		    e2e_fail "$name: the reply does not name BZ-MSG-TOO-LARGE"
		e2e_transcript_has "$name" 'queued as' &&
		    e2e_fail "$name: Postfix queued the message"
		rejected+=("$token")
		;;
	accept)
		e2e_accepted "$name" || e2e_fail "$name: expected 250 queued"
		accepted+=("$token")
		;;
	esac
	e2e_log "ok: $name ($kb KiB to $rcpt): $outcome"
done
# cleanup(8) logs the milter's reply without the 552 itself
e2e_maillog_has 'milter-reject: END-OF-MESSAGE .*5\.3\.4 BZ-MSG-TOO-LARGE' ||
    e2e_fail "the Postfix log does not show the milter's 5.3.4 rejection"

# The sentinel: once it is at the sink, so is everything Postfix accepted.
token=$(sub_signed "$E2E_DIR/sentinel.eml" otro@empresa.test)
e2e_send sentinel --to otro@empresa.test --data "@$E2E_DIR/sentinel.eml" ||
    e2e_fail "sentinel refused"
accepted+=("$token")
e2e_wait_sink "${#accepted[@]}"
e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "$token" >/dev/null ||
    e2e_fail "sentinel did not arrive"
[ "$(e2e_sink_count)" -eq "${#accepted[@]}" ] ||
    e2e_fail "expected ${#accepted[@]} messages at the sink, found $(e2e_sink_count)"
for token in "${rejected[@]}"; do
	e2e_sink_find "$token" >/dev/null && e2e_fail "rejected message $token reached the sink"
done
for token in "${accepted[@]}"; do
	e2e_sink_find "$token" >/dev/null || e2e_fail "accepted message $token is missing"
done

e2e_finish
