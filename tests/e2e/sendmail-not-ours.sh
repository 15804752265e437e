#!/bin/bash
# sendmail-not-ours - through a real Sendmail, mail not for the mailbox passes
#
# Issue 13 item 4, the Postfix passthrough case with Sendmail (see
# tests/e2e/sendmail-lib.sh): the sendmail.cf built from
# contrib/sendmail.mc.snippet keeps the filter declared before it
# (InputMailFilters lists both: the snippet appends), mail for another
# address is accepted and reaches the next hop with its body intact and
# without the X-Buzon-* header its sender wrote. First, the three documents
# (the snippet, README.md, buzon-milter(8)) give the same INPUT_MAIL_FILTER
# line.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/sendmail-lib.sh"

want=$(sed -n 's/^\(INPUT_MAIL_FILTER(.*)\)dnl$/\1/p' "$top_srcdir/contrib/sendmail.mc.snippet")
[ -n "$want" ] || { echo "FAIL: no INPUT_MAIL_FILTER line in contrib/sendmail.mc.snippet"; exit 1; }
for doc in README.md milter/buzon-milter.8.in; do
	got=$(grep '^INPUT_MAIL_FILTER(' "$top_srcdir/$doc")
	[ "$got" = "$want" ] || {
		echo "FAIL: $doc says '$got', contrib/sendmail.mc.snippet '$want'"; exit 1; }
done

e2e_init sendmail-not-ours
sm_init
e2e_start

grep -q '^O InputMailFilters=other-filter, buzon-milter$' "$E2E_DIR/sendmail/sendmail.cf" ||
    e2e_fail "the snippet did not append to confINPUT_MAIL_FILTERS: $(grep InputMailFilters "$E2E_DIR/sendmail/sendmail.cf")"
grep -q '^Xbuzon-milter, S=unix:.*, F=T, T=S:30s;R:2m;E:5m$' "$E2E_DIR/sendmail/sendmail.cf" ||
    e2e_fail "no Xbuzon-milter line with F=T and the documented timeouts"

tok=$(e2e_message "$E2E_DIR/other.eml" otro@empresa.test \
    'X-Buzon-Status: accepted' 'X-Otra: se queda')
e2e_send other --to otro@empresa.test --data "@$E2E_DIR/other.eml" ||
    e2e_fail "mail for another address refused"
e2e_accepted other || e2e_fail "no 'Message accepted for delivery'"
e2e_wait_sink 1
e2e_received "$tok" "$E2E_DIR/other.got"
[ "$(e2e_header_count X-Buzon-Status "$E2E_DIR/other.got")" -eq 0 ] ||
    e2e_fail "the sender's X-Buzon-Status reached the next hop"
[ "$(e2e_header_count X-Otra "$E2E_DIR/other.got")" -eq 1 ] ||
    e2e_fail "another header was lost"
grep -q "^Fin $tok\.\$" "$E2E_DIR/other.got" || e2e_fail "the body did not arrive"
e2e_milter_log_has 'X-Buzon' || e2e_log "note: no log line about the forged header"
e2e_finish
