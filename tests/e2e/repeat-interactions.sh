#!/bin/bash
# repeat-interactions - issue 8 items 1/9, 3 and 5 together, through Postfix
#
# The items were written apart; this checks where they meet.
#  - A filing by efirma-moral (certificate address contacto@empresa.buzon.test)
#    gets its acuse there. The same signed content sent again from
#    buzon+x@imss.test (a RecipientDelimiter form of the mailbox: answering
#    it would mail the mailbox) is a repeat: 250 with X-Buzon-Repeat, its
#    event recorded (reply false, spool_path null: no second copy), but NO
#    acuse is queued, not even to the certificate's address the original
#    went to (RFC 3834: this message is not answered at all). A further
#    repeat from an ordinary sender is answered at the certificate address.
#  - The certificate's own address being a form of a mailbox (efirma-fisica's
#    juan.perez@pruebas.buzon.test, with MailboxAddress juan@pruebas.buzon.test
#    and RecipientDelimiter "+."): filed, never answered (a loop), and the
#    repeat is not answered either.
#  - A filing whose acuse was withheld (it came with List-Id) and that is
#    sent again directly gets the acuse kept in its row, at the
#    certificate's address: the signer can still obtain it.
#  - One spool copy per signed content, whatever repeats arrive, and
#    `store verify-chain` intact over repeat events whose spool_path is null.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

e2e_init repeat-interactions
sub_pki_conf
e2e_conf RepeatResendInterval 0
e2e_conf RecipientDelimiter "+."
e2e_conf MailboxAddress "$E2E_MAILBOX
MailboxAddress juan@pruebas.buzon.test"
e2e_postfix_conf 'recipient_delimiter = +'
e2e_start
SPOOL=$E2E_DIR/spool
e2e_is_pg || command -v sqlite3 >/dev/null || e2e_skip "sqlite3 not installed"
MORAL=contacto@empresa.buzon.test
FISICA=juan.perez@pruebas.buzon.test

# copies - message copies kept: files in the spool, and on PostgreSQL also
# rows of spool_messages (a shared store keeps the bytes in the database)
copies()
{
	local files
	files=$(find "$SPOOL" -mindepth 2 -maxdepth 2 -path "$SPOOL/[0-9a-f][0-9a-f]/*" -type f | grep -c .)
	if e2e_is_pg; then
		echo $((files + $(e2e_sql "SELECT count(*) FROM spool_messages")))
	else
		echo "$files"
	fi
}
outbox_rows() { e2e_sql "SELECT count(*) FROM outbox WHERE folio = '$1'"; }
acuse_sinks() { grep -l -F "Subject: Acuse de recibo $1" "$E2E_DIR"/sink/* 2>/dev/null | grep -c .; }
decision() { grep -E "$1: accepted: folio " "$E2E_DIR/milter.log" | tail -n 1; }
qid_of() { sed -n 's/.*queued as \([0-9A-F]*\).*/\1/p' "$E2E_DIR/$1.smtp" | tail -n 1; }

# resend ID FROM SRC [HEADER...] - SRC again with a new Message-ID (and
# optional extra headers) from envelope FROM: 250 and delivered; prints
# nothing, leaves $E2E_DIR/ID.got
resend()
{
	local id=$1 from=$2 src=$3
	shift 3
	awk 'BEGIN { hdr = 1; n = split(extra, xs, "\n") }
		hdr && /^Message-ID:/ { print "Message-ID: <" id "-" tok "@otro.test>\r";
		    for (i = 1; i <= n; i++) if (xs[i] != "") print xs[i] "\r"; next }
		hdr && /^\r$/ { hdr = 0 } { print }' id="$id" tok="$RANDOM$RANDOM" \
	    extra="$(printf '%s\n' "$@")" "$E2E_DIR/$src.eml" >"$E2E_DIR/$id.eml"
	sub_deliver "$id" "$from" "$E2E_DIR/$id.eml" "$id-"
}

# --- a genuine filing, answered at the certificate's address -----------------
tok=$(sub_message "$E2E_DIR/orig.eml" efirma-moral)
sub_deliver orig "$MORAL" "$E2E_DIR/orig.eml" "$tok@"
folio=$(sub_folio "$E2E_DIR/orig.got")
[ -n "$folio" ] || e2e_fail "no folio"
sub_acuse "$folio" "$E2E_DIR/acuse1.eml"
[ "$(outbox_rows "$folio")" -eq 1 ] || e2e_fail "the filing queued $(outbox_rows "$folio") acuses"
e2e_log "ok: filing $folio answered at $MORAL"

# --- its repeat from a delimiter form of the mailbox: recorded, unanswered ---
resend loop "buzon+x@imss.test" orig
[ "$(sub_folio "$E2E_DIR/loop.got")" = "$folio" ] ||
    e2e_fail "the repeat got folio $(sub_folio "$E2E_DIR/loop.got"), not $folio"
[ "$(e2e_header_value X-Buzon-Repeat "$E2E_DIR/loop.got")" = yes ] ||
    e2e_fail "the resend from buzon+x@ is not marked a repeat"
q=$(qid_of loop)
decision "$q" | grep -q "(repeat).*acuse not sent (loop safety)" ||
    e2e_fail "repeat from buzon+x@: decision line: $(decision "$q")"
e2e_milter_log_has "$q: no acuse \(RFC 3834 loop safety\): the sender is the mailbox" ||
    e2e_fail "repeat from buzon+x@: the reason is not logged"
[ "$(outbox_rows "$folio")" -eq 1 ] ||
    e2e_fail "the repeat from buzon+x@ queued an acuse ($(outbox_rows "$folio") rows)"
if e2e_is_pg; then
	ev=$(e2e_sql "SELECT (detail::json->>'reply') || ' ' ||
	    coalesce(detail::json->>'spool_path', 'null') || ' ' ||
	    (detail::json->>'qid') FROM events WHERE kind = 'repeat' ORDER BY id DESC LIMIT 1")
	ev=${ev/#false /0 }	# JSON false; SQLite's json_extract gives 0
else
	ev=$(e2e_sql "SELECT json_extract(detail, '\$.reply') || ' ' ||
	    ifnull(json_extract(detail, '\$.spool_path'), 'null') || ' ' ||
	    json_extract(detail, '\$.qid') FROM events WHERE kind = 'repeat' ORDER BY id DESC LIMIT 1")
fi
[ "$ev" = "0 null $q" ] || e2e_fail "repeat event (reply spool_path qid): '$ev'"
[ "$(copies)" -eq 1 ] || e2e_fail "$(copies) spool copies after one repeat"
e2e_log "ok: repeat from buzon+x@: recorded ($ev), no acuse, no second copy"

# --- a further repeat from an ordinary sender is answered there again --------
resend again patron@empresa.test orig
[ "$(e2e_header_value X-Buzon-Repeat "$E2E_DIR/again.got")" = yes ] ||
    e2e_fail "the third send is not a repeat"
e2e_wait_until "$E2E_TIMEOUT" eval '[ "$(acuse_sinks "$folio")" -ge 2 ]' ||
    e2e_fail "the ordinary repeat's acuse never arrived"
for f in $(grep -l -F "Subject: Acuse de recibo $folio" "$E2E_DIR"/sink/*); do
	r=$(tr -d '\r' <"$f" | sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p')
	[ "$r" = "$MORAL" ] || e2e_fail "an acuse of $folio went to '$r'"
done
[ "$(outbox_rows "$folio")" -eq 2 ] || e2e_fail "expected 2 acuse rows, $(outbox_rows "$folio")"
e2e_log "ok: the ordinary repeat is answered at $MORAL only"

# --- a filing whose acuse was withheld, then sent again: answered now -------
tok3=$(sub_message "$E2E_DIR/list.eml" efirma-moral \
    'List-Id: Patrones <patrones.lists.empresa.test>')
sub_deliver list "$MORAL" "$E2E_DIR/list.eml" "$tok3@"
folio3=$(sub_folio "$E2E_DIR/list.got")
decision "$(qid_of list)" | grep -q "acuse not sent (loop safety)" ||
    e2e_fail "list filing: $(decision "$(qid_of list)")"
[ "$(outbox_rows "$folio3")" -eq 0 ] || e2e_fail "the list filing queued an acuse"
sed '/^List-Id:/d' "$E2E_DIR/list.eml" >"$E2E_DIR/direct.eml"
resend direct2 "$MORAL" direct
[ "$(sub_folio "$E2E_DIR/direct2.got")" = "$folio3" ] ||
    e2e_fail "the direct resend is not a repeat of $folio3"
sub_acuse "$folio3" "$E2E_DIR/acuse3.eml"
r=$(tr -d '\r' <"$E2E_DIR/acuse3.eml.raw" | sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p')
[ "$r" = "$MORAL" ] || e2e_fail "the kept acuse of $folio3 went to '$r'"
[ "$(e2e_sql "SELECT CASE WHEN acuse = (SELECT message FROM outbox WHERE folio = '$folio3')
    THEN 1 ELSE 0 END FROM submissions WHERE folio = '$folio3'")" = 1 ] ||
    e2e_fail "the acuse sent for $folio3 is not the one kept in its row"
e2e_log "ok: a filing withheld as list mail gets its kept acuse when sent again directly"

# --- a certificate whose address is a form of a mailbox: never answered -----
tok2=$(sub_message "$E2E_DIR/self.eml" efirma-fisica)
sub_deliver self patron@empresa.test "$E2E_DIR/self.eml" "$tok2@"
folio2=$(sub_folio "$E2E_DIR/self.got")
[ -n "$folio2" ] || e2e_fail "efirma-fisica: no folio"
resend self2 "$FISICA" self
[ "$(e2e_header_value X-Buzon-Repeat "$E2E_DIR/self2.got")" = yes ] ||
    e2e_fail "efirma-fisica resend is not a repeat"
decision "$(qid_of self)" | grep -q "acuse not sent" ||
    e2e_fail "acuse to a mailbox form: $(decision "$(qid_of self)")"
decision "$(qid_of self2)" | grep -q "acuse not sent" ||
    e2e_fail "repeat, acuse to a mailbox form: $(decision "$(qid_of self2)")"
[ "$(outbox_rows "$folio2")" -eq 0 ] || e2e_fail "an acuse was queued to $FISICA"
e2e_log "ok: certificate address $FISICA (a form of juan@) is never answered"

# Nothing signed by the Institute went to a form of a mailbox.
sleep 2
if grep -l -i -E "X-Rcpt-Args: <(buzon[+.@]|juan[+.@])" "$E2E_DIR"/sink/* 2>/dev/null |
    xargs -r grep -l -F 'Subject: Acuse de recibo' | grep -q .; then
	e2e_fail "an acuse reached a form of the mailbox"
fi
[ "$(copies)" -eq 3 ] || e2e_fail "$(copies) spool copies for three signed contents"
sub_ctl store verify-chain >"$E2E_DIR/chain.out" 2>&1 ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"
grep -q "records: 3 match their event, 0 altered" "$E2E_DIR/chain.out" ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"
e2e_log "ok: three copies, chain intact over repeat events without a copy"
e2e_finish
