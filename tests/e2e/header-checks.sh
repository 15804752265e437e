#!/bin/bash
# header-checks - the Postfix second layer against forged X-Buzon-* headers
#
# Issue 8: README and buzon-milter.conf(5) give a Postfix header_checks
# line that drops incoming X-Buzon-* headers, as a second layer beside the
# milter (which removes them from every message it sees). This checks the
# documented line, exactly as contrib/postfix-main.cf.snippet and
# contrib/postfix-header-checks carry it, with the real Postfix:
#	- header_checks does not touch the headers the milter adds (Postfix
#	  applies header_checks to what the client sent, milter_header_checks
#	  to what milters add): a signed submission with forged fields is
#	  filed and arrives with exactly our X-Buzon-* headers;
#	- the milter's own deletions of fields that header_checks already
#	  dropped do not fail the message (no 451);
#	- mail for others arrives without the forged fields as well.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

e2e_init header-checks
sub_plumbing_conf
# The table and the main.cf line as shipped in contrib/.
cp "$top_srcdir/contrib/postfix-header-checks" "$E2E_DIR/postfix/buzon_header_checks" ||
    e2e_fail "contrib/postfix-header-checks missing"
line=$(grep -E '^header_checks *=' "$top_srcdir/contrib/postfix-main.cf.snippet") ||
    e2e_fail "contrib/postfix-main.cf.snippet has no header_checks line"
e2e_postfix_conf "${line//\/etc\/postfix\//$E2E_DIR/postfix/}"
e2e_start
grep -E '^header_checks' "$E2E_DIR/postfix/main.cf" | sed 's/^/    main.cf: /'

FORGED=('X-Buzon-Status: accepted' 'X-Buzon-Folio: BZ-2026-99999999'
    'X-Buzon-Signer-RFC: FORJADO800101AAA')

# The table on its own (Postfix's own lookup, as cleanup does it): every
# spelling of an X-Buzon-* field is dropped, look-alikes are not.
table=regexp:$E2E_DIR/postfix/buzon_header_checks
for h in "${FORGED[@]}" 'x-buzon-status: accepted' 'X-BUZON-Folio: 1'; do
	[ "$(postmap -c "$E2E_DIR/postfix" -q "$h" "$table")" = IGNORE ] ||
	    e2e_fail "the table does not drop '$h'"
done
for h in 'X-Buzonero: se queda' 'X-Buzon: se queda' 'Subject: X-Buzon-Status'; do
	[ -z "$(postmap -c "$E2E_DIR/postfix" -q "$h" "$table")" ] ||
	    e2e_fail "the table drops '$h', which is not ours"
done
e2e_log "ok: the table drops X-Buzon-* fields in any case, and only those"

# A signed submission with forged fields: filed, our headers intact.
tok=$(sub_message "$E2E_DIR/ours.eml" efirma-fisica "${FORGED[@]}")
e2e_send ours --to "$E2E_MAILBOX" --data "@$E2E_DIR/ours.eml" ||
    e2e_fail "ours: refused: $(sub_last_reply ours)"
e2e_accepted ours || e2e_fail "ours: no 250"
e2e_wait_sink 1
e2e_received "$tok" "$E2E_DIR/ours.got"
got=$E2E_DIR/ours.got
e2e_headers "$got" | grep -E -q 'FORJADO|BZ-2026-99999999' &&
    e2e_fail "ours: a forged value reached the sink"
for h in X-Buzon-Status X-Buzon-Folio X-Buzon-Signer-RFC X-Buzon-Signer-Cert \
    X-Buzon-Verdict X-Buzon-Received X-Buzon-Legal-Received X-Buzon-Legal-Rule; do
	[ "$(e2e_header_count "$h" "$got")" -eq 1 ] ||
	    e2e_fail "ours: expected exactly one $h (ours), header_checks took it?"
done
[ "$(e2e_header_value X-Buzon-Status "$got")" = accepted ] ||
    e2e_fail "ours: X-Buzon-Status is not accepted"
e2e_maillog_has 'warning: .*header_checks' &&
    e2e_fail "Postfix complained about the header_checks table"
e2e_log "ok: filed as $(sub_folio "$got") with our headers only"

# Mail for someone else.
tok=$(e2e_message "$E2E_DIR/other.eml" otro@empresa.test "${FORGED[@]}")
e2e_send other --to otro@empresa.test --data "@$E2E_DIR/other.eml" ||
    e2e_fail "other: refused"
e2e_wait_sink 2
e2e_received "$tok" "$E2E_DIR/other.got"
[ "$(e2e_header_count 'X-Buzon-[^:]*' "$E2E_DIR/other.got")" -eq 0 ] ||
    e2e_fail "other: an X-Buzon-* header reached the sink"
e2e_log "ok: other mail without X-Buzon-* headers"

e2e_finish
