#!/bin/bash
# pg-submission - with a PostgreSQL Database the received message is kept
# in the database, through the real Postfix and the real daemon
#
# Issue 15: "With PostgreSQL, message bytes are stored in the database (no
# shared filesystem needed); the durability order stays: the message is
# durable before the record that names it, and the reply comes only after
# the commit."
#  - A signed submission and a large one (24 MiB, over SpoolMemoryLimit, so
#    spooled to a temporary file first) get 250; each record's spool_path
#    is "db:" and its message_sha256, and the bytes read back from
#    spool_messages (bz_store_message_get, the notification code's reader)
#    hash to that digest and carry the message's own text.
#  - No content-addressed copy is written to SpoolDirectory.
#  - The same content again is a repeat: no second row.
#  - verify-chain on the PostgreSQL store: every record matches its event.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

PGC=$top_srcdir/tests/pg/pg-cluster.sh
MK=$top_builddir/tests/store/mkstore
e2e_init pg-submission
# The cluster is stopped on every path, before lib.sh's own clean-up.
trap 's=$?; "$PGC" stop "$E2E_DIR/pg" >/dev/null 2>&1; (exit $s); e2e_cleanup' EXIT
URI=$("$PGC" start "$E2E_DIR/pg" 2>"$E2E_DIR/pg.err")
case $? in
0) ;;
77) e2e_skip "$(sed 's/^SKIP: //' "$E2E_DIR/pg.err")" ;;
*) cat "$E2E_DIR/pg.err"; echo "ERROR: no throwaway cluster"; exit 99 ;;
esac
PSQL=
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
	[ -x "$d/psql" ] && PSQL=$d/psql
done
[ -n "$PSQL" ] || e2e_skip "no psql"
q() { "$PSQL" -X -At -d "$URI" -c "$1"; }

sub_plumbing_conf
e2e_conf Database "$URI"
e2e_conf MaxMessageSize 40M
# (ASan's quarantine would keep freed chunks resident: measure us, not it)
if ldd "$E2E_MILTER_BIN" 2>/dev/null | grep -q libasan; then
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
fi
e2e_start
sub_ready 1

ncopies() { find "$E2E_DIR/spool" -mindepth 2 -maxdepth 2 -path "$E2E_DIR/spool/[0-9a-f][0-9a-f]/*" -type f | grep -c .; }

# check_bytes ID TOKEN - the record of the delivered ID against its bytes
check_bytes() {
	local id=$1 tok=$2 folio want got path
	folio=$(sub_folio "$E2E_DIR/$id.got")
	[ -n "$folio" ] || e2e_fail "$id: no X-Buzon-Folio"
	path=$(q "SELECT spool_path FROM submissions WHERE folio = '$folio'")
	want=$(q "SELECT message_sha256 FROM submissions WHERE folio = '$folio'")
	[ "$path" = "db:$want" ] || e2e_fail "$id: spool_path '$path', want db:$want"
	"$MK" --message "$URI" "$folio" >"$E2E_DIR/$id.stored" 2>"$E2E_DIR/$id.err" ||
	    e2e_fail "$id: the bytes of $folio cannot be read: $(cat "$E2E_DIR/$id.err")"
	got=$(sha256sum <"$E2E_DIR/$id.stored" | cut -d' ' -f1)
	[ "$got" = "$want" ] || e2e_fail "$id: read back $got, recorded $want"
	grep -q "Message-ID: <$tok@" "$E2E_DIR/$id.stored" ||
	    e2e_fail "$id: the stored bytes are not the message sent"
	e2e_log "ok: $folio: $(wc -c <"$E2E_DIR/$id.stored") bytes in spool_messages, digest matches"
}

tok=$(sub_message "$E2E_DIR/small.eml" efirma-fisica)
sub_deliver small patron@empresa.test "$E2E_DIR/small.eml" "$tok"
check_bytes small "$tok"

big=$(sub_large_message "$E2E_DIR/large.eml" 24)
# Printed, not asserted: libpq sends a bytea parameter from one buffer, so
# the daemon's peak grows by about the message (SQLite: the file is
# streamed, large-submission.sh bounds that at 3/4 of it).
status=/proc/$E2E_MILTER_PID/status
before=$(awk '/^VmRSS:/ { print $2 }' "$status")
echo 5 >"/proc/$E2E_MILTER_PID/clear_refs" 2>/dev/null
e2e_send large --to "$E2E_MAILBOX" --data "@$E2E_DIR/large.eml" \
    --timeout "$((E2E_TIMEOUT * 10))" ||
    e2e_fail "the large submission was refused: $(sub_last_reply large)"
e2e_accepted large || e2e_fail "large: no 250"
e2e_log "daemon resident set: $before KiB before, peak $(awk '/^VmHWM:/ { print $2 }' "$status") KiB for $(stat -c %s "$E2E_DIR/large.eml") bytes"
e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <$big@" >/dev/null ||
    e2e_fail "the large submission never reached the sink"
e2e_received "Message-ID: <$big@" "$E2E_DIR/large.got"
check_bytes large "$big"

[ "$(ncopies)" -eq 0 ] || e2e_fail "SpoolDirectory holds $(ncopies) message copies with PostgreSQL"
rows=$(q 'SELECT count(DISTINCT sha256) FROM spool_messages')
[ "$rows" -eq 2 ] || e2e_fail "spool_messages holds $rows rows, want 2"

# the same content again: a repeat, no second copy
e2e_send again --to "$E2E_MAILBOX" --data "@$E2E_DIR/small.eml" ||
    e2e_fail "the resend was refused: $(sub_last_reply again)"
e2e_accepted again || e2e_fail "again: no 250"
e2e_wait_milter_log 'accepted: folio BZ-2026-[0-9]+ \(repeat\)' ||
    e2e_fail "the resend was not filed as a repeat"
[ "$(q 'SELECT count(DISTINCT sha256) FROM spool_messages')" -eq 2 ] || e2e_fail "a repeat stored a second copy"

sub_ctl store verify-chain >"$E2E_DIR/vc" 2>&1 || e2e_fail "verify-chain: $(cat "$E2E_DIR/vc")"
grep -q 'records: 2 match their event, 0 altered' "$E2E_DIR/vc" ||
    e2e_fail "verify-chain records: $(cat "$E2E_DIR/vc")"
e2e_finish
