#!/bin/sh
# pg-bytes.sh - with PostgreSQL the message bytes live in the database
#
# Rule (issue 15): "With PostgreSQL, message bytes are stored in the
# database (no shared filesystem needed); the durability order stays: the
# message is durable before the record that names it." mkstore records
# filings through bz_store_record_submission the way core/submission.c
# does (spool_path "db:<sha256>", the bytes inserted in the record's own
# transaction); each one is read back through bz_store_message_get (the
# reader of the notification code) byte for byte, a 50 MiB message
# included, nothing is written to SpoolDirectory, every spool_path names
# a spool_messages row, a repeat keeps one row, and a record that did not
# commit (the server stopped) left neither a row nor bytes behind.
set -u

: "${top_builddir:?}" "${top_srcdir:?}"
CTL="$top_builddir/buzonctl"
MK="$top_builddir/tests/store/mkstore"
. "$top_srcdir/tests/pg/pg-test-lib.sh"
pg_test_start pg-bytes
PSQL=
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
	[ -x "$d/psql" ] && PSQL=$d/psql
done
[ -n "$PSQL" ] || { echo "SKIP: no psql"; exit 77; }
q() { "$PSQL" -X -At -d "$URI" -c "$1"; }

mkdir -p "$T/spool"
printf 'Socket unix:%s/milter.sock\nMailboxAddress buzon@imss.gob.mx\nDatabase %s\nSpoolDirectory %s\n' \
    "$T" "$URI" "$T/spool" >"$T/pg.conf"

"$MK" --spool "$T/spool" --size 3000 "$URI" 3 >"$T/folios" 2>"$T/err" || fail "mkstore: $(cat "$T/err")"
# 50 MiB, MaxMessageSize's order: bound as bytea, no text escaping
start=$(date +%s.%N)
"$MK" --spool "$T/spool" --first 4 --size 52428800 "$URI" 1 >>"$T/folios" 2>"$T/err" || fail "mkstore 50 MiB: $(cat "$T/err")"
end=$(date +%s.%N)
echo "50 MiB message recorded in $(echo "$end - $start" | bc 2>/dev/null || echo "?") s"
[ "$(wc -l <"$T/folios")" -eq 4 ] || fail "not 4 folios"
[ "$(find "$T/spool" -type f | wc -l)" -eq 0 ] || fail "SpoolDirectory holds files with PostgreSQL"

[ "$(q "SELECT count(*) FROM submissions WHERE spool_path = 'db:' || message_sha256")" = 4 ] ||
	fail "spool_path is not db:<message_sha256>: $(q 'SELECT spool_path FROM submissions')"
[ "$(q "SELECT count(*) FROM submissions s JOIN spool_messages m ON m.sha256 = s.message_sha256 AND m.idx = 0")" = 4 ] ||
	fail "not every filing has its bytes"
# a 50 MiB message in 1 MiB rows (libpq holds one whole statement or value)
[ "$(q "SELECT count(*) FROM spool_messages WHERE length(bytes) > 1048576")" = 0 ] ||
	fail "a spool_messages row over 1 MiB"
[ "$(q "SELECT max(idx) FROM spool_messages")" -ge 49 ] || fail "the 50 MiB message is not in rows"

n=0
while read -r folio; do
	n=$((n + 1))
	"$MK" --message "$URI" "$folio" >"$T/m" 2>"$T/err" || { fail "$folio: $(cat "$T/err")"; continue; }
	got=$(sha256sum <"$T/m" | cut -d' ' -f1)
	want=$(q "SELECT message_sha256 FROM submissions WHERE folio = '$folio'")
	[ "$got" = "$want" ] || fail "$folio: read back $got, recorded $want"
	[ $n -eq 4 ] && { [ "$(wc -c <"$T/m")" -ge 52428800 ] || fail "the 50 MiB message came back short"; }
done <"$T/folios"

# a repeat (same signed entity, same certificate): no new folio, one row
"$MK" --spool "$T/spool" --size 3000 "$URI" 1 >"$T/rep" 2>&1 || fail "repeat: $(cat "$T/rep")"
[ "$(cat "$T/rep")" = "$(sed -n 1p "$T/folios")" ] || fail "repeat got a new folio: $(cat "$T/rep")"
[ "$(q 'SELECT count(DISTINCT sha256) FROM spool_messages')" = 4 ] || fail "a repeat stored a second copy"

# the server gone mid-way: a record that cannot commit leaves nothing
"$PGC" stop "$T/pg" >/dev/null 2>&1
"$MK" --spool "$T/spool" --first 20 "$URI" 1 >/dev/null 2>&1 && fail "recorded with the server stopped"
"$PGC" up "$T/pg" >/dev/null 2>&1 || { echo "ERROR: the cluster did not come back"; exit 99; }
[ "$(q 'SELECT count(DISTINCT sha256) FROM spool_messages')" = 4 ] || fail "bytes without a record"
[ "$(q 'SELECT count(*) FROM submissions')" = 4 ] || fail "a record committed without its server"

"$CTL" -c "$T/pg.conf" store verify-chain >"$T/vc" 2>&1 || fail "verify-chain: $(cat "$T/vc")"
grep -q 'records: 4 match their event, 0 altered' "$T/vc" || fail "records: $(cat "$T/vc")"
# spool gc with PostgreSQL: the bytes are never garbage, SpoolDirectory empty
"$CTL" -c "$T/pg.conf" spool gc >"$T/gc" 2>&1 || fail "spool gc: $(cat "$T/gc")"
[ "$(q 'SELECT count(DISTINCT sha256) FROM spool_messages')" = 4 ] || fail "spool gc deleted message bytes"

[ $fails -eq 0 ] && echo "PASS: pg-bytes" || exit 1
