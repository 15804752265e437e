#!/bin/bash
# passthrough - mail not addressed to the mailbox passes through untouched
#
# Issue 2: "Messages with no recipient equal to a MailboxAddress are
# accepted at once (no body is read)". Each row is a recipient list with no
# mailbox address in it (near misses included: the comparison is on the
# exact address, or one with a "+" extension, the default
# RecipientDelimiter). The message at the sink must equal the one sent:
# same headers in the same order, same body, no X-Buzon-* added. Issue 8:
# an X-Buzon-* header the sender wrote is removed from every message,
# whoever it is for; nothing else changes. The last row carries none and
# must arrive byte for byte.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init passthrough
e2e_start

#	name		recipients (comma-separated)
rows=(
	"other		otro@empresa.test"
	"prefix		xbuzon@imss.test"
	"suffix		buzon@imss.test.mx"
	"subdomain	buzon@sub.imss.test"
	"localpart	buzon.imss@imss.test"
	"several	uno@empresa.test,dos@empresa.test"
	"dash		buzon-x@imss.test"
	"plus-other	buzon+x@otro.test"
	"no-forged	otro@empresa.test"
)

n=0
for row in "${rows[@]}"; do
	read -r name rcpts <<<"$row"
	forged='X-Buzon-Nota: escrito por el remitente'
	[ "$name" = no-forged ] && forged='X-Otra-Nota: sin cabeceras X-Buzon'
	token=$(e2e_message "$E2E_DIR/$name.eml" "${rcpts%%,*}" "$forged" \
	    'X-Plegado: primera parte' '	segunda parte')
	e2e_send "$name" --to "$rcpts" --data "@$E2E_DIR/$name.eml" ||
	    e2e_fail "$name: message refused"
	e2e_accepted "$name" || e2e_fail "$name: no 250 queued reply"
	n=$((n + 1))
	e2e_wait_sink "$n"
	if [ "$name" = no-forged ]; then
		e2e_assert_untouched "$E2E_DIR/$name.eml" "$token"
		e2e_log "ok: $name passed untouched"
		continue
	fi
	got=$E2E_DIR/$token.got
	e2e_received "$token" "$got"
	[ "$(e2e_header_count 'X-Buzon-[^:]*' "$got")" -eq 0 ] ||
	    e2e_fail "$name: an X-Buzon-* header reached the sink"
	e2e_drop_headers 'X-Buzon-[^:]*' "$E2E_DIR/$name.eml" | e2e_sent_text /dev/stdin |
	    diff -u - "$got" || e2e_fail "$name: changed beyond the X-Buzon-* header"
	e2e_log "ok: $name passed untouched but for its X-Buzon-* header"
done

e2e_finish
