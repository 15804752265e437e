#!/bin/bash
# mailbox-aliases - the mailbox under other names (issue 8, item 1)
#
# "With recipient_delimiter = + (Debian's default answer),
# buzon+cualquier@imss.test reached the mailbox unverified; so did an
# address that virtual_alias_maps rewrites to the mailbox. Their forged
# X-Buzon-Status: accepted, X-Buzon-Folio, X-Buzon-Signer-RFC were
# delivered as written."
#
# The Postfix here has recipient_delimiter = + and a virtual alias table
# rewriting alias@ and listed@ to the mailbox (the sink's X-Rcpt-Args
# shows where each message went). The milter keeps RecipientDelimiter at
# its default ("+") and lists listed@ as a MailboxAddress (the documented
# rule: every alias that reaches the mailbox is listed), but not alias@.
#	- buzon+cualquier@, unsigned and forged: 550, nothing delivered;
#	- buzon+cualquier@, signed and forged: filed, only our headers;
#	- listed@, unsigned: 550;
#	- alias@ (not listed: the milter cannot know, it sees the address as
#	  the client wrote it), unsigned and forged: delivered to the mailbox
#	  unverified, but without a single X-Buzon-* header: no forged status,
#	  folio or RFC reaches it;
#	- otro@empresa.test, forged: delivered without the X-Buzon-* fields.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

e2e_init mailbox-aliases
sub_plumbing_conf
# Two MailboxAddress lines (the key is repeatable; e2e_conf keeps one
# value per key, so the second line rides in the value).
e2e_conf MailboxAddress "$E2E_MAILBOX
MailboxAddress listed@imss.test"
e2e_postfix_conf 'recipient_delimiter = +' \
    'virtual_alias_maps = inline:{ alias@imss.test=buzon@imss.test, listed@imss.test=buzon@imss.test }'
e2e_start

FORGED=('X-Buzon-Status: accepted' 'X-Buzon-Folio: BZ-2026-99999999'
    'X-Buzon-Signer-RFC: FORJADO800101AAA' 'x-buzon-verdict: integrity=pass')

# rcpt_of FILE - the envelope recipient the sink got (smtp-sink's record)
rcpt_of()
{
	sed -n -e 's/\r$//' -e 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' "$1" | head -n 1
}

# delivered ID TOKEN - wait for the message with TOKEN at the sink; its
# sink file in $SINK_FILE, the message as delivered in $E2E_DIR/ID.got
delivered()
{
	e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <$2@" >/dev/null ||
	    e2e_fail "$1: the message never reached the sink"
	e2e_wait_until "$E2E_TIMEOUT" sub_sink_complete || e2e_fail "sink incomplete"
	SINK_FILE=$(e2e_sink_find "Message-ID: <$2@")
	e2e_received "$2" "$E2E_DIR/$1.got"
}

# no_forgery ID - none of the sender's X-Buzon-* values reached the sink
no_forgery()
{
	local got=$E2E_DIR/$1.got
	e2e_headers "$got" | grep -E -i -q 'FORJADO|BZ-2026-99999999' &&
	    e2e_fail "$1: a forged X-Buzon-* value reached the sink"
	return 0
}

# 1. buzon+cualquier@, unsigned, forged: the mailbox's rules apply
sub_message "$E2E_DIR/plus-unsigned.eml" none "${FORGED[@]}" >/dev/null
e2e_send plus-unsigned --to buzon+cualquier@imss.test \
    --data "@$E2E_DIR/plus-unsigned.eml"
e2e_reply_has plus-unsigned 550 ||
    e2e_fail "buzon+cualquier@, unsigned: expected 550: $(sub_last_reply plus-unsigned)"
e2e_transcript_has plus-unsigned 'BZ-MSG-UNSIGNED' ||
    e2e_fail "buzon+cualquier@, unsigned: no BZ-MSG-UNSIGNED in the reply"
e2e_log "ok: buzon+cualquier@ unsigned: $(grep -E '^<[-*~]+ +550' "$E2E_DIR/plus-unsigned.smtp")"

# 2. buzon+cualquier@, signed, forged: filed, our headers only
tok=$(sub_message "$E2E_DIR/plus-signed.eml" efirma-fisica "${FORGED[@]}")
e2e_send plus-signed --to buzon+cualquier@imss.test --data "@$E2E_DIR/plus-signed.eml" ||
    e2e_fail "buzon+cualquier@, signed: refused: $(sub_last_reply plus-signed)"
e2e_accepted plus-signed || e2e_fail "buzon+cualquier@, signed: no 250"
delivered plus-signed "$tok"
[ "$(rcpt_of "$SINK_FILE")" = "buzon+cualquier@imss.test" ] ||
    e2e_fail "plus-signed: delivered to '$(rcpt_of "$SINK_FILE")'"
got=$E2E_DIR/plus-signed.got
no_forgery plus-signed
[ "$(e2e_header_count X-Buzon-Status "$got")" -eq 1 ] &&
    [ "$(e2e_header_value X-Buzon-Status "$got")" = accepted ] ||
    e2e_fail "plus-signed: expected exactly our X-Buzon-Status: accepted"
[[ $(sub_folio "$got") =~ ^BZ-2026-[0-9]{8}$ ]] ||
    e2e_fail "plus-signed: no folio of ours"
[ "$(e2e_header_count X-Buzon-Signer-RFC "$got")" -eq 1 ] ||
    e2e_fail "plus-signed: expected exactly one X-Buzon-Signer-RFC"
e2e_milter_log_has 'accepted: folio BZ-2026-' ||
    e2e_fail "plus-signed: the daemon did not file it"
e2e_log "ok: buzon+cualquier@ signed: filed as $(sub_folio "$got")"

# 3. listed@ (a virtual alias of the mailbox, listed as MailboxAddress)
sub_message "$E2E_DIR/listed.eml" none "${FORGED[@]}" >/dev/null
e2e_send listed --to listed@imss.test --data "@$E2E_DIR/listed.eml"
e2e_reply_has listed 550 ||
    e2e_fail "listed@, unsigned: expected 550: $(sub_last_reply listed)"
e2e_log "ok: listed@ (alias listed as MailboxAddress) unsigned: 550"

# 4. alias@ (a virtual alias NOT listed): reaches the mailbox, unverified,
# but carries no X-Buzon-* header at all
tok=$(sub_message "$E2E_DIR/alias.eml" none "${FORGED[@]}")
e2e_send alias --to alias@imss.test --data "@$E2E_DIR/alias.eml" ||
    e2e_fail "alias@: refused: $(sub_last_reply alias)"
e2e_accepted alias || e2e_fail "alias@: no 250"
delivered alias "$tok"
[ "$(rcpt_of "$SINK_FILE")" = "$E2E_MAILBOX" ] ||
    e2e_fail "alias@: Postfix did not rewrite it to the mailbox ('$(rcpt_of "$SINK_FILE")')"
no_forgery alias
[ "$(e2e_header_count 'X-Buzon-[^:]*' "$E2E_DIR/alias.got")" -eq 0 ] ||
    e2e_fail "alias@: an X-Buzon-* header reached the mailbox"
e2e_drop_headers 'X-Buzon-[^:]*' "$E2E_DIR/alias.eml" | e2e_sent_text /dev/stdin |
    diff -u - "$E2E_DIR/alias.got" || e2e_fail "alias@: changed beyond the X-Buzon-* headers"
e2e_log "ok: alias@ reached $E2E_MAILBOX with no X-Buzon-* header"

# 5. mail for someone else entirely
tok=$(e2e_message "$E2E_DIR/other.eml" otro@empresa.test "${FORGED[@]}")
e2e_send other --to otro@empresa.test --data "@$E2E_DIR/other.eml" ||
    e2e_fail "other: refused"
delivered other "$tok"
no_forgery other
[ "$(e2e_header_count 'X-Buzon-[^:]*' "$E2E_DIR/other.got")" -eq 0 ] ||
    e2e_fail "other: an X-Buzon-* header reached the sink"
e2e_milter_log_has 'removed 1 incoming X-Buzon-Signer-RFC header' ||
    e2e_fail "the daemon did not log the removal"
e2e_log "ok: otro@empresa.test without X-Buzon-* headers"

e2e_finish
