#!/bin/bash
# outside-signature - only what the signer signed is accepted (issue 8, item 2)
#
# Through the real Postfix: a genuine multipart/signed placed inside a
# multipart/mixed beside unsigned text and an unsigned desistimiento.pdf
# is refused 550 5.7.7 BZ-MSG-OUTSIDE-SIGNATURE (before, it was accepted
# with the signer's RFC), and so is the same wrapping sent again from
# another MAIL FROM after the genuine message was filed (before, a
# "repeat" carrying the stranger's content). Neither reaches the sink or
# the store. The genuine message, whose multipart/signed has OpenSSL's
# preamble ("This is an S/MIME signed message"), is accepted, and its
# record lists only the signed part, never the preamble or epilogue.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

e2e_init outside-signature
sub_plumbing_conf
e2e_start

# wrap IN OUT - IN's signed body inside a multipart/mixed between an
# unsigned text part and an unsigned desistimiento.pdf; IN's top-level
# headers (From ... Message-ID) stay on top, with a new Message-ID
wrap()
{
	local in=$1 out=$2
	{
		sed -n '/^MIME-Version:/q; s/^Message-ID: <\(.*\)>\r$/Message-ID: <wrapped-\1>\r/; p' "$in"
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: multipart/mixed; boundary="W"\r\n\r\n'
		printf -- '--W\r\nContent-Type: text/plain\r\n\r\n'
		printf 'Desisto de todas mis promociones anteriores.\r\n'
		printf -- '--W\r\n'
		sed -n '/^MIME-Version:/,$p' "$in" | sed 1d
		printf -- '--W\r\nContent-Type: application/pdf; name="desistimiento.pdf"\r\n'
		printf 'Content-Disposition: attachment; filename="desistimiento.pdf"\r\n'
		printf 'Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IK\r\n--W--\r\n'
	} >"$out"
	grep -q '^Content-Type: multipart/signed' "$out" || e2e_fail "wrap: no signed part in $out"
}

# refused ID - 550 5.7.7 BZ-MSG-OUTSIDE-SIGNATURE, not queued
refused()
{
	e2e_reply_has "$1" 550 ||
	    e2e_fail "$1: expected 550, got: $(sub_last_reply "$1")"
	e2e_transcript_has "$1" '550[- ]5\.7\.7 BZ-MSG-OUTSIDE-SIGNATURE ' ||
	    e2e_fail "$1: BZ-MSG-OUTSIDE-SIGNATURE not in the reply: $(sub_last_reply "$1")"
	e2e_transcript_has "$1" 'queued as' && e2e_fail "$1: Postfix queued it"
	return 0
}

# --- wrapped before anything was filed ----------------------------------------
tok=$(sub_message "$E2E_DIR/genuine.eml" efirma-fisica)
wrap "$E2E_DIR/genuine.eml" "$E2E_DIR/wrapped.eml"
e2e_send wrapped --to "$E2E_MAILBOX" --data "@$E2E_DIR/wrapped.eml"
refused wrapped
sub_ctl verify "$E2E_DIR/wrapped.eml" >"$E2E_DIR/wrapped.verify" 2>&1
grep -q 'BZ-MSG-OUTSIDE-SIGNATURE' "$E2E_DIR/wrapped.verify" ||
    e2e_fail "buzonctl verify does not explain the refusal: $(cat "$E2E_DIR/wrapped.verify")"
e2e_milter_log_has 'rejected: integrity=pass.*reasons BZ-MSG-OUTSIDE-SIGNATURE' ||
    e2e_fail "no rejection log line with BZ-MSG-OUTSIDE-SIGNATURE (integrity checked)"
e2e_log "ok: signed part inside multipart/mixed refused 550 5.7.7"

# --- the genuine message: accepted, only the signed part listed ----------------
grep -q '^This is an S/MIME signed message' "$E2E_DIR/genuine.eml" ||
    e2e_fail "openssl wrote no preamble: the preamble case is not exercised"
e2e_send genuine --to "$E2E_MAILBOX" --data "@$E2E_DIR/genuine.eml" ||
    e2e_fail "genuine refused: $(sub_last_reply genuine)"
e2e_accepted genuine || e2e_fail "genuine: no 250"
e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <$tok@" >/dev/null ||
    e2e_fail "the genuine submission never reached the sink"
e2e_received "$tok" "$E2E_DIR/genuine.got"
folio=$(sub_folio "$E2E_DIR/genuine.got")
[[ $folio =~ ^BZ-2026-[0-9]{8}$ ]] || e2e_fail "genuine: folio '$folio'"
sub_ctl receipt show --json "$folio" >"$E2E_DIR/show.json" 2>&1 ||
    e2e_fail "receipt show: $(cat "$E2E_DIR/show.json")"
parts=$(grep -o '"tipo": "[^"]*"' "$E2E_DIR/show.json" | sort | uniq -c | tr -s ' ')
[ "$parts" = " 1 \"tipo\": \"text/plain\"" ] ||
    e2e_fail "the record lists other parts than the signed text: $parts ($(cat "$E2E_DIR/show.json"))"
e2e_log "ok: genuine accepted as $folio; only its signed text part is listed"

# --- the same wrapping from another MAIL FROM after the filing -----------------
wrap "$E2E_DIR/genuine.eml" "$E2E_DIR/again.eml"
sed -i 's/^Message-ID: <wrapped-/Message-ID: <again-/' "$E2E_DIR/again.eml"
e2e_send again --from extrano@otro-dominio.test --to "$E2E_MAILBOX" \
    --data "@$E2E_DIR/again.eml"
refused again
e2e_log "ok: the wrapping from another MAIL FROM is refused, not filed as a repeat"

# --- nothing refused reached the sink or the store -----------------------------
e2e_sink_find "wrapped-$tok" >/dev/null && e2e_fail "the wrapped message reached the sink"
e2e_sink_find "again-$tok" >/dev/null && e2e_fail "the re-sent wrapping reached the sink"
sub_ctl store stats --json >"$E2E_DIR/stats.out" 2>&1 ||
    e2e_fail "store stats: $(cat "$E2E_DIR/stats.out")"
grep -q '"submissions": 1,' "$E2E_DIR/stats.out" ||
    e2e_fail "refused messages were recorded: $(cat "$E2E_DIR/stats.out")"
e2e_finish
