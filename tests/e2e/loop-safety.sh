#!/bin/bash
# loop-safety - automatic mail is filed but never answered (RFC 3834)
#
# Issue 5: "Never answer the null sender, the mailbox itself, or a message
# carrying Auto-Submitted other than no." Through the real Postfix, valid
# signed submissions from <>, from the mailbox address, and with
# Auto-Submitted: auto-replied are accepted and recorded (250, folio), but
# no acuse is queued (outbox empty for their folios, acuse state "none").
# The mailbox spelled as a bang path (imss.test!buzon) counts too: Postfix
# resolves it to the mailbox ({mail_addr}), where an acuse would land.
# Auto-Submitted: no is an ordinary submission and is answered (the
# control case). An acuse sent back to the mailbox (it is signed by the
# institution, not an e.firma) is refused and answers nothing either.
#
# Issue 8 item 9: "any Auto-Submitted header other than no (not only the
# first), Precedence: bulk|junk|list, List-Id/List-Post, and a MAIL FROM
# that is any form of the mailbox (delimiter extensions included) suppress
# the acuse; the submission is still recorded and logged." Postfix runs
# with recipient_delimiter = + (the milter's RecipientDelimiter default),
# so buzon+acuse@imss.test is delivered to the mailbox: answering it would
# mail the mailbox. The control carries Precedence: first-class (a value
# that is not bulk, junk or list) and is answered. Each withheld row names
# its reason in the daemon's log.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

e2e_init loop-safety
sub_pki_conf
e2e_postfix_conf 'recipient_delimiter = +'
e2e_start

# acuse_rows FOLIO - outbox rows (any state) for FOLIO
acuse_rows()
{
	sub_ctl store outbox --all --json | grep -c "\"folio\": \"$1\""
}

# submit ID FROM [HEADER...] - a signed submission from envelope FROM;
# must get 250; prints its folio
submit()
{
	local id=$1 from=$2 tok
	shift 2
	tok=$(sub_message "$E2E_DIR/$id.eml" efirma-fisica "$@")
	# progress lines to stderr: stdout is the folio
	e2e_send "$id" --from "$from" --to "$E2E_MAILBOX" --data "@$E2E_DIR/$id.eml" >&2 ||
	    e2e_fail "$id: refused: $(sub_last_reply "$id")"
	e2e_accepted "$id" || e2e_fail "$id: no 250"
	e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <$tok@" >/dev/null ||
	    e2e_fail "$id: the submission never reached the sink"
	e2e_received "$tok" "$E2E_DIR/$id.got"
	sub_folio "$E2E_DIR/$id.got"
}

# The control: an ordinary submission (Auto-Submitted: no) is answered.
control=$(submit control patron@empresa.test 'Auto-Submitted: no' \
    'Precedence: first-class')
[[ $control =~ ^BZ-2026-[0-9]{8}$ ]] || e2e_fail "control: no folio ($control)"
sub_acuse "$control" "$E2E_DIR/control-acuse.eml"
[ "$(acuse_rows "$control")" -eq 1 ] || e2e_fail "control: expected one outbox row"
e2e_log "ok: control $control answered"

#	id		envelope sender		extra headers (" | " between)	reason logged
rows=(
	"null-sender	<>			-	null sender"
	"from-mailbox	$E2E_MAILBOX		-	the sender is the mailbox"
	"mailbox-upper	BUZON@IMSS.TEST		-	the sender is the mailbox"
	"bang-path	imss.test!buzon		-	the sender is the mailbox"
	"from-extension	buzon+acuse@imss.test	-	the sender is the mailbox"
	"extension-bang	imss.test!Buzon+x	-	the sender is the mailbox"
	"auto-replied	patron@empresa.test	Auto-Submitted: auto-replied	Auto-Submitted"
	"auto-generated	patron@empresa.test	Auto-Submitted: auto-generated; owner-email=\"x@y\"	Auto-Submitted"
	"auto-second	patron@empresa.test	Auto-Submitted: no | Auto-Submitted: auto-replied	Auto-Submitted"
	"precedence-bulk	patron@empresa.test	Precedence: bulk	Precedence"
	"precedence-junk	patron@empresa.test	Precedence: Junk	Precedence"
	"precedence-list	patron@empresa.test	Precedence: list	Precedence"
	"list-id	patron@empresa.test	List-Id: Patrones <patrones.lists.empresa.test>	mailing list"
	"list-post	patron@empresa.test	List-Post: <mailto:patrones@lists.empresa.test>	mailing list"
)
folios=()
for row in "${rows[@]}"; do
	IFS=$'\t' read -r id from header why <<<"$(tr -s '\t' <<<"$row")"
	headers=()
	if [ "$header" != - ]; then
		while [[ $header == *" | "* ]]; do
			headers+=("${header%% | *}")
			header=${header#* | }
		done
		headers+=("$header")
	fi
	folio=$(submit "$id" "$from" "${headers[@]}")
	[[ $folio =~ ^BZ-2026-[0-9]{8}$ ]] || e2e_fail "$id: not recorded (folio '$folio')"
	e2e_milter_log_has "accepted: folio $folio.*acuse not sent \(loop safety\)" ||
	    e2e_fail "$id: the decision line does not say the acuse was withheld"
	qid=$(sed -n 's/.*queued as \([0-9A-F]*\).*/\1/p' "$E2E_DIR/$id.smtp" | tail -n 1)
	e2e_milter_log_has "$qid: no acuse \(RFC 3834 loop safety\): $why" ||
	    e2e_fail "$id: the log does not say why ($why) for $qid"
	# The withheld acuse is still sealed at the commit and signed (kept,
	# sent to no one) after the 250: look once the signer has been by.
	e2e_wait_until "$E2E_TIMEOUT" sub_all_signed || e2e_fail "$id: the acuse of $folio was never signed"
	[ "$(acuse_rows "$folio")" -eq 0 ] || e2e_fail "$id: an acuse was queued for $folio"
	sub_ctl receipt show "$folio" >"$E2E_DIR/$id.show" 2>&1 ||
	    e2e_fail "$id: receipt show $folio: $(cat "$E2E_DIR/$id.show")"
	grep -q '^Estado del acuse: none' "$E2E_DIR/$id.show" ||
	    e2e_fail "$id: acuse state is not none: $(tail -n 2 "$E2E_DIR/$id.show")"
	folios+=("$folio")
	e2e_log "ok: $id (from $from, headers ${headers[*]}): filed as $folio, no acuse ($why)"
done

# An acuse bounced back to the mailbox, as a mail loop would: refused (not
# an e.firma), nothing filed, nothing queued.
before=$(sub_ctl store outbox --all --json | grep -c '"folio"')
e2e_send loop --from '<>' --to "$E2E_MAILBOX" --data "@$E2E_DIR/control-acuse.eml"
e2e_reply_has loop 550 || e2e_fail "acuse sent back: expected 550: $(sub_last_reply loop)"
after=$(sub_ctl store outbox --all --json | grep -c '"folio"')
[ "$before" -eq "$after" ] || e2e_fail "acuse sent back: the outbox grew ($before -> $after)"
e2e_log "ok: acuse sent back: $(sub_last_reply loop | head -n 1)"

# Exactly one acuse reached the sink: the control's.
acuses=$(grep -l -F 'Subject: Acuse de recibo' "$E2E_DIR"/sink/* 2>/dev/null | grep -c .)
[ "$acuses" -eq 1 ] || e2e_fail "expected 1 acuse at the sink, found $acuses"
sub_ctl store verify-chain >"$E2E_DIR/chain.out" 2>&1 ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"

e2e_finish
