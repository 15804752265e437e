#!/bin/bash
# for-mailbox - mail for the mailbox reaches the sink with X-Buzon-Status
#
# Issue 2: at end of message the milter adds X-Buzon-Status with the
# outcome of the steps that exist so far. The mailbox address matches
# case-insensitively, as one recipient among several, and in every
# spelling Postfix delivers to it (quoted local part, source route,
# comments). Besides the one
# added header, the message must arrive unchanged.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init for-mailbox
# Mail for the mailbox must be signed now (issue 3): test PKI and trust.
. "$top_srcdir/tests/e2e/submission-lib.sh"
sub_plumbing_conf
e2e_conf MailboxAddress "buzon@imss.test"
e2e_start

#	name		recipients (comma-separated)
rows=(
	"exact		buzon@imss.test"
	"uppercase	BUZON@IMSS.TEST"
	"mixedcase	Buzon@Imss.Test"
	"among-others	otro@empresa.test,buzon@imss.test,tercero@empresa.test"
	# Spellings Postfix delivers to the mailbox but passes to the milter
	# as written: they must not bypass verification (and our headers).
	"quoted		\"buzon\"@imss.test"
	"escaped	\"bu\\zon\"@imss.test"
	"source-route	@relay.test:buzon@imss.test"
	"comment	buzon(x)@imss.test"
	"comment-domain	buzon@(x)imss.test"
	# Postfix rewrites a bang path; the milter sees it in {rcpt_addr}.
	"bang-path	imss.test!buzon"
)

n=0
for row in "${rows[@]}"; do
	read -r name rcpts <<<"$row"
	token=$(sub_signed "$E2E_DIR/$name.eml" buzon@imss.test)
	e2e_send "$name" --to "$rcpts" --data "@$E2E_DIR/$name.eml" ||
	    e2e_fail "$name: message refused"
	e2e_accepted "$name" || e2e_fail "$name: no 250 queued reply"
	n=$((n + 1))
	e2e_wait_sink "$n"
	got=$E2E_DIR/$token.got
	e2e_received "$token" "$got"
	[ "$(e2e_header_count X-Buzon-Status "$got")" -eq 1 ] ||
	    e2e_fail "$name: expected exactly one X-Buzon-Status header"
	status=$(e2e_header_value X-Buzon-Status "$got")
	[ -n "$status" ] || e2e_fail "$name: X-Buzon-Status is empty"
	# Apart from our headers the message is the one sent.
	e2e_drop_headers 'X-Buzon-[^:]*' "$got" >"$got.rest"
	e2e_sent_text "$E2E_DIR/$name.eml" | diff -u - "$got.rest" ||
	    e2e_fail "$name: message changed beyond the X-Buzon-* headers"
	e2e_log "ok: $name: X-Buzon-Status: $status"
done

e2e_finish
