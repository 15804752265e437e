#!/bin/bash
# forged-header - X-Buzon-* headers written by a sender never reach the mailbox
#
# Issue 2: "remove every incoming X-Buzon-* header (a sender must never be
# able to forge ours)". The message for the mailbox carries several forged
# fields in mixed case, repeated, folded, at the top, in the middle and last
# in the header; each value holds a marker that must not survive. Look-alike
# names (X-Buzonero, X-Buzon without a dash) are not ours and stay. The body,
# which also mentions X-Buzon-Status at a line start, is untouched. The
# message is a genuine signed submission (issue 3), so it is accepted.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init forged-header
# Mail for the mailbox must be signed now (issue 3): test PKI and trust.
. "$top_srcdir/tests/e2e/submission-lib.sh"
sub_plumbing_conf
e2e_start

eml=$E2E_DIR/forged.eml
# A genuine signed submission whose signed text has a body line starting
# with X-Buzon-Status; its header is rebuilt around forged fields.
SUB_BODY=$(printf 'Cuerpo.\nX-Buzon-Status: esto es cuerpo, no cabecera')
token=$(SUB_BODY=$SUB_BODY sub_signed "$E2E_DIR/signed.eml" buzon@imss.test)
{
	printf 'X-Buzon-Status: aceptado FORJADO1\r\n'
	printf 'From: Patron Prueba <patron@empresa.test>\r\n'
	printf 'To: <buzon@imss.test>\r\n'
	printf 'x-buzon-folio: FORJADO2\r\n'
	printf 'Subject: prueba %s\r\n' "$token"
	printf 'X-BUZON-ACUSE: FORJADO3\r\n'
	printf 'X-Buzon-Firma: valida\r\n\tFORJADO4 continua\r\n'
	printf 'Date: Fri, 27 Nov 2026 12:00:00 -0600\r\n'
	printf 'Message-ID: <%s@empresa.test>\r\n' "$token"
	printf 'X-Buzonero: se queda\r\n'
	printf 'X-Buzon: se queda\r\n'
	# MIME-Version and Content-Type (multipart/signed) of the signed file
	sed -n -e '/^\r$/q' -e '/^MIME-Version:/p' -e '/^Content-Type:/p' \
	    "$E2E_DIR/signed.eml"
	printf 'X-bUzOn-Status: aceptado FORJADO5\r\n'
	printf '\r\n'
	sed -e '1,/^\r$/d' "$E2E_DIR/signed.eml"
} >"$eml"

e2e_send forged --to buzon@imss.test --data "@$eml" || e2e_fail "forged: message refused"
e2e_accepted forged || e2e_fail "forged: no 250 queued reply"
e2e_wait_sink 1
got=$E2E_DIR/$token.got
e2e_received "$token" "$got"

e2e_headers "$got" | grep -n . | sed 's/^/    at sink: /'
for marker in FORJADO1 FORJADO2 FORJADO3 FORJADO4 FORJADO5; do
	if e2e_headers "$got" | grep -q "$marker"; then
		e2e_fail "forged header with $marker reached the sink"
	fi
done
[ "$(e2e_header_count X-Buzon-Status "$got")" -eq 1 ] ||
    e2e_fail "expected exactly one X-Buzon-Status (ours)"
for h in X-Buzon-Folio X-Buzon-Acuse X-Buzon-Firma; do
	# Later issues may add these themselves, but never with the forged value.
	v=$(e2e_header_value "$h" "$got") || continue
	case $v in *FORJADO*) e2e_fail "$h kept the forged value" ;; esac
done
[ "$(e2e_header_value X-Buzonero "$got")" = "se queda" ] ||
    e2e_fail "X-Buzonero (not ours) was removed or changed"
[ "$(e2e_header_value X-Buzon "$got")" = "se queda" ] ||
    e2e_fail "X-Buzon (no dash, not ours) was removed or changed"
# Everything except X-Buzon-* fields is as sent, in order.
e2e_drop_headers 'X-Buzon-[^:]*' "$eml" | awk '
	{ lines[n++] = $0 }
	END { while (n > 0 && lines[n - 1] == "") n--; for (i = 0; i < n; i++) print lines[i] }' \
    >"$E2E_DIR/expected"
e2e_drop_headers 'X-Buzon-[^:]*' "$got" | diff -u "$E2E_DIR/expected" - ||
    e2e_fail "message changed beyond the X-Buzon-* headers"
e2e_body "$got" | grep -q '^X-Buzon-Status: esto es cuerpo' ||
    e2e_fail "the body line starting with X-Buzon-Status was altered"

e2e_finish
