#!/bin/bash
# outbox-sendmail - the outbox hands acuses to a real Postfix's sendmail(1)
#
# Issue 5: "A worker thread in the daemon hands it to the MTA through
# sendmail(1) ... to which the worker appends -i -f <> -- RCPT ... It marks
# the mail sent only after a zero exit status; failures retry with backoff."
# Two acuses are queued in a database through the store API (mkstore); one
# outbox pass with SendmailCommand = Postfix's sendmail -C DIR must deliver
# both to the sink with the null envelope sender and mark them sent. A
# sendmail that fails (a configuration directory that does not exist) must
# leave the rows pending with the error and an attempt counted.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

MK="$top_builddir/tests/store/mkstore"
CTL="$top_builddir/buzonctl"
SENDMAIL=$(command -v sendmail || echo /usr/sbin/sendmail)

e2e_init outbox-sendmail
e2e_start

db="$E2E_DIR/outbox.db"
printf 'Socket unix:%s/unused.sock\nMailboxAddress buzon@imss.test\nDatabase %s\n' \
    "$E2E_DIR" "$db" >"$E2E_DIR/store.conf"
"$MK" "$db" 3 >"$E2E_DIR/folios" || e2e_fail "mkstore could not fill $db"

# A sendmail that cannot work: each row stays pending with the reason.
if "$MK" --flush "$db" "$SENDMAIL" -C "$E2E_DIR/no-such-dir" >"$E2E_DIR/flush1.out"; then
	e2e_fail "flush with a broken sendmail reported success: $(cat "$E2E_DIR/flush1.out")"
fi
e2e_check "broken sendmail: 3 retried" grep -q '^sent 0 retried 3 gave-up 0$' "$E2E_DIR/flush1.out"
"$CTL" -c "$E2E_DIR/store.conf" store outbox >"$E2E_DIR/outbox1.out" ||
    e2e_fail "buzonctl store outbox failed"
e2e_check "rows pending after the failure" \
    grep -q '^1 pending acuse BZ-2026-00000001 rh@empresa.example attempts=1 .* error=.*exited with status' \
    "$E2E_DIR/outbox1.out"
[ "$(e2e_sink_count)" -eq 0 ] || e2e_fail "something reached the sink after a failed sendmail"

# Make the rows due again (the backoff is 60 s) and hand them to Postfix.
sqlite3 "$db" "UPDATE outbox SET next_attempt_utc = 0" ||
    e2e_fail "cannot reset next_attempt_utc (sqlite3 shell)"
"$MK" --flush "$db" "$SENDMAIL" -C "$E2E_DIR/postfix" >"$E2E_DIR/flush2.out" ||
    e2e_fail "flush through Postfix failed: $(cat "$E2E_DIR/flush2.out")"
e2e_check "3 sent" grep -q '^sent 3 retried 0 gave-up 0$' "$E2E_DIR/flush2.out"
e2e_wait_sink 3

for folio in $(cat "$E2E_DIR/folios"); do
	f=$(e2e_sink_find "Folio $folio") || e2e_fail "acuse $folio not at the sink"
	# smtp-sink records the MAIL FROM and RCPT TO arguments
	e2e_check "$folio: null envelope sender" grep -q '^X-Mail-Args: <>$' "$f"
	e2e_check "$folio: recipient" grep -q '^X-Rcpt-Args: <rh@empresa.example>' "$f"
	e2e_check "$folio: subject" grep -q "^Subject: Acuse de recibo $folio" "$f"
done

"$CTL" -c "$E2E_DIR/store.conf" store stats --json >"$E2E_DIR/stats.out" ||
    e2e_fail "buzonctl store stats failed"
e2e_check "all sent" grep -q '"outbox": {"pending": 0, "sent": 3, "failed": 0}' "$E2E_DIR/stats.out"
"$CTL" -c "$E2E_DIR/store.conf" store verify-chain >/dev/null ||
    e2e_fail "event chain broken after sending"

# Nothing is sent twice: a further pass finds nothing due.
"$MK" --flush "$db" "$SENDMAIL" -C "$E2E_DIR/postfix" >"$E2E_DIR/flush3.out"
e2e_check "nothing left" grep -q '^sent 0 retried 0 gave-up 0$' "$E2E_DIR/flush3.out"

e2e_finish
