#!/bin/sh
# pg-migrate.sh - buzonctl store migrate: a SQLite store into PostgreSQL
#
# Rule (issue 15): "`buzonctl store migrate --to URI` copies a SQLite store
# into PostgreSQL keeping folios, events and the chain head; `buzonctl
# store verify-chain` agrees before and after." Here mkstore fills a
# SQLite store through the store API, with spool files and sealed
# envelope digests (which cover spool_path), some acuses handed to the
# MTA; it is migrated into a throwaway cluster; verify-chain on PostgreSQL
# must report the same head and the same records, stats
# the same counts, every message readable from the database; then new
# submissions recorded on PostgreSQL get new ids and folios (the identity
# sequences were advanced), and a second migrate into the now non-empty
# target is refused (exit 2) without touching it.
set -u

: "${top_builddir:?}" "${top_srcdir:?}"
CTL="$top_builddir/buzonctl"
MK="$top_builddir/tests/store/mkstore"
. "$top_srcdir/tests/pg/pg-test-lib.sh"
pg_test_start pg-migrate

mkdir -p "$T/spool"
conf() {	# conf NAME DATABASE
	printf 'Socket unix:%s/milter.sock\nMailboxAddress buzon@imss.gob.mx\nDatabase %s\nSpoolDirectory %s\n' \
	    "$T" "$2" "$T/spool" >"$T/$1.conf"
}
conf lite "$T/buzon.db"
conf pg "$URI"
head_of() { sed -n 's/^event log intact: .* head \([0-9a-f]*\)$/\1/p' "$1"; }

# A SQLite store: 6 filings with spool files, 2 years, 3 acuses sent.
"$MK" --spool "$T/spool" "$T/buzon.db" 4 2026 >"$T/folios" &&
    "$MK" --spool "$T/spool" --first 5 --size 70000 "$T/buzon.db" 2 2027 >>"$T/folios" ||
    { echo "ERROR: mkstore failed"; exit 99; }
"$MK" --flush "$T/buzon.db" /bin/sh -c 'cat >/dev/null' >/dev/null ||
    { echo "ERROR: mkstore --flush failed"; exit 99; }
[ "$(find "$T/spool" -type f | wc -l)" -eq 6 ] || fail "SQLite: not 6 spool files"

# Rows of the tables no command line tool fills without the whole mail
# flow (registrations, their addresses and SMS, a notification), written
# with the sqlite3 shell: a child table sorts before its parent
# (registration_addresses < registrations), a registration names another
# (update_of), an SMS is a byte string with a NUL and a CR LF.
SQLITE3=$(command -v sqlite3 || true)
PSQL=
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
	[ -x "$d/psql" ] && PSQL=$d/psql
done
extra=0
if [ -n "$SQLITE3" ] && [ -n "$PSQL" ]; then
	extra=1
	"$SQLITE3" "$T/buzon.db" "
	INSERT INTO registrations (id, rfc, state, folio, mobile, mobile_code_sha256,
	    created_utc, expires_utc) VALUES (1, 'AAA010101AAA', 'enabled',
	    'BZ-2026-00000001', '5512345678', 'c1', 1781600000, 1781700000);
	INSERT INTO registrations (id, rfc, state, folio, mobile, mobile_code_sha256,
	    created_utc, expires_utc, update_of) VALUES (2, 'AAA010101AAA', 'pending',
	    'BZ-2026-00000002', '5512345679', 'c2', 1781600100, 1781700100, 1);
	INSERT INTO registration_addresses (registration_id, idx, address, token_sha256)
	    VALUES (1, 0, 'rh@empresa.example', 't1'), (2, 0, 'rh2@empresa.example', 't2');
	INSERT INTO sms_queue (registration_id, number, message, next_attempt_utc,
	    created_utc) VALUES (1, '5512345678', X'00FF0D0A41', 1781600000, 1781600000);
	INSERT INTO notification_counter (year, last) VALUES (2026, 1);
	INSERT INTO notifications (folio, year, seq, submission_folio, rfc, subject,
	    official_rfc, department_address, department_name, created_utc,
	    aviso_message_id, aviso_planned_utc, day1, day2, day3, deemed_date,
	    deemed_due_utc, window_rule, calendar_version) VALUES ('NT-2026-00000001',
	    2026, 1, 'BZ-2026-00000003', 'AAA010101AAA', 'Requerimiento',
	    'BBB010101BBB', 'depto@imss.gob.mx', 'Departamento', 1781600000,
	    '<aviso1@imss.gob.mx>', 1781600000, '2026-06-16', '2026-06-17',
	    '2026-06-18', '2026-06-19', 1781900000, 'window', 'sha256:00');" ||
	    { echo "ERROR: sqlite3 could not add the extra rows"; exit 99; }
else
	echo "note: no sqlite3 shell or psql: registrations and notifications not exercised"
fi

# The hand-written rows have no event sealing them: verify-chain names
# them (exit 1, 3 records), and must name the same on PostgreSQL.
"$CTL" -c "$T/lite.conf" store verify-chain >"$T/vc-lite" 2>&1
vc_lite=$?
[ $vc_lite -eq $((extra)) ] || fail "verify-chain on SQLite: exit $vc_lite: $(cat "$T/vc-lite")"
grep -q "records: 6 match their event, $((extra * 3)) altered" "$T/vc-lite" || fail "SQLite records not sealed: $(cat "$T/vc-lite")"
"$CTL" -c "$T/lite.conf" store stats >"$T/stats-lite" || fail "stats on SQLite"

# usage
"$CTL" -c "$T/lite.conf" store migrate >/dev/null 2>&1; [ $? -eq 2 ] || fail "migrate without --to: not exit 2"
"$CTL" -c "$T/lite.conf" store migrate --to "$T/other.db" >/dev/null 2>&1; [ $? -eq 2 ] || fail "migrate --to a file: not exit 2"

# the copy
if ! "$CTL" -c "$T/lite.conf" store migrate --to "$URI" >"$T/mig" 2>&1; then
	fail "migrate: $(cat "$T/mig")"
fi
cat "$T/mig"
grep -q '^  submissions  *6 rows$' "$T/mig" || fail "migrate did not report 6 submissions"
# 6 "submission" events and 6 of the acuses handed to the MTA
grep -q '^  events  *12 rows$' "$T/mig" || fail "migrate did not report 12 events"
grep -q ' 6 spool messages ' "$T/mig" || fail "migrate did not copy 6 spool messages"

"$CTL" -c "$T/pg.conf" store verify-chain >"$T/vc-pg" 2>&1
[ $? -eq $vc_lite ] || fail "verify-chain on PostgreSQL: exit not $vc_lite: $(cat "$T/vc-pg")"
[ -n "$(head_of "$T/vc-lite")" ] && [ "$(head_of "$T/vc-lite")" = "$(head_of "$T/vc-pg")" ] ||
	fail "heads differ: SQLite $(head_of "$T/vc-lite"), PostgreSQL $(head_of "$T/vc-pg")"
cmp -s "$T/vc-lite" "$T/vc-pg" || { fail "verify-chain reports differ"; diff "$T/vc-lite" "$T/vc-pg"; }
"$CTL" -c "$T/pg.conf" store stats >"$T/stats-pg" || fail "stats on PostgreSQL"
sed 1d "$T/stats-lite" >"$T/s1"; sed 1d "$T/stats-pg" >"$T/s2"
if ! cmp -s "$T/s1" "$T/s2"; then
	fail "stats differ"
	diff "$T/stats-lite" "$T/stats-pg"
fi

if [ $extra = 1 ]; then
	q() { "$PSQL" -X -At -d "$URI" -c "$1"; }
	for t in registrations registration_addresses sms_queue notifications \
	    notification_counter outbox parts acuse_pending folio_counter; do
		a=$("$SQLITE3" "$T/buzon.db" "SELECT count(*) FROM $t")
		b=$(q "SELECT count(*) FROM $t")
		[ "$a" = "$b" ] || fail "$t: $a rows on SQLite, $b on PostgreSQL"
	done
	[ "$(q "SELECT encode(message, 'hex') FROM sms_queue")" = 00ff0d0a41 ] ||
		fail "the SMS bytes changed: $(q "SELECT encode(message, 'hex') FROM sms_queue")"
	[ "$(q "SELECT update_of FROM registrations WHERE id = 2")" = 1 ] || fail "update_of lost"
	# the identity sequences were moved past the copied ids
	id=$(q "INSERT INTO registrations (rfc, state, mobile, mobile_code_sha256,
	    created_utc, expires_utc) VALUES ('CCC010101CCC', 'pending', '1', 'c3', 1, 2)
	    RETURNING id" | head -1)
	[ "$id" = 3 ] || fail "a new registration got id '$id', want 3"
	id=$(q "INSERT INTO notifications (folio, year, seq, submission_folio, rfc,
	    subject, official_rfc, department_address, department_name, created_utc,
	    aviso_message_id, aviso_planned_utc, day1, day2, day3, deemed_date,
	    deemed_due_utc, window_rule, calendar_version) VALUES ('NT-2026-00000002',
	    2026, 2, 'BZ-2026-00000003', 'AAA010101AAA', 'x', 'x', 'x', 'x', 1,
	    '<aviso2@imss.gob.mx>', 1, 'x', 'x', 'x', 'x', 1, 'x', 'x') RETURNING id" | head -1)
	[ "$id" = 2 ] || fail "a new notification got id '$id', want 2"
fi

# every message, from the database, byte for byte as the SQLite file's
while read -r folio; do
	"$MK" --message "$T/buzon.db" "$folio" >"$T/m-lite" 2>/dev/null || fail "$folio: no message on SQLite"
	"$MK" --message "$URI" "$folio" >"$T/m-pg" 2>"$T/m-err" || fail "$folio: no message on PostgreSQL: $(cat "$T/m-err")"
	cmp -s "$T/m-lite" "$T/m-pg" || fail "$folio: the message differs after the migration"
done <"$T/folios"
# ... also once the files are gone: PostgreSQL needs no spool directory copy
mv "$T/spool" "$T/spool.away" && mkdir "$T/spool"
"$MK" --message "$URI" "$(sed -n 6p "$T/folios")" >"$T/m-pg" 2>/dev/null || fail "message read from the spool files, not the database"
[ "$(wc -c <"$T/m-pg")" -ge 70000 ] || fail "the 70000-byte message came back short"

# new filings on PostgreSQL: new ids and folios, chain intact
"$MK" --spool "$T/spool" --first 7 "$URI" 3 2027 >"$T/new" 2>&1 || fail "mkstore on PostgreSQL after the migration: $(cat "$T/new")"
[ "$(cat "$T/new" | tr '\n' ' ')" = "BZ-2027-00000003 BZ-2027-00000004 BZ-2027-00000005 " ] ||
	fail "new folios: $(cat "$T/new" | tr '\n' ' ')"
[ "$(find "$T/spool" -type f | wc -l)" -eq 0 ] || fail "filings on PostgreSQL wrote spool files"
"$CTL" -c "$T/pg.conf" store verify-chain >"$T/vc-pg2" 2>&1
grep -q 'event log intact: 15 rows' "$T/vc-pg2" || fail "not 15 events: $(cat "$T/vc-pg2")"
grep -q 'records: 9 match their event' "$T/vc-pg2" || fail "new records: $(cat "$T/vc-pg2")"
"$MK" --message "$URI" BZ-2027-00000004 | grep -q '^Subject: mkstore 0*8' || fail "a new filing's message is not in the database"

# a second migrate into the non-empty target: refused, nothing changed
"$CTL" -c "$T/lite.conf" store migrate --to "$URI" >"$T/mig2" 2>&1
st=$?
[ $st -eq 2 ] || fail "migrate into a non-empty target: exit $st, want 2"
grep -q 'already holds submissions or events' "$T/mig2" || fail "refusal not explained: $(cat "$T/mig2")"
"$CTL" -c "$T/pg.conf" store verify-chain >"$T/vc-pg3" 2>&1
[ "$(head_of "$T/vc-pg3")" = "$(head_of "$T/vc-pg2")" ] || fail "the refused migrate changed the target"

# a damaged and a missing spool file: reported, counted, not copied, the
# rest migrated (into a second database of the same cluster)
if [ -n "$PSQL" ]; then
	"$PSQL" -X -q -h "$T/pg" -U postgres -d postgres -c "CREATE DATABASE buzon2 OWNER buzon" ||
	    { echo "ERROR: cannot create a second database"; exit 99; }
	URI2=$(printf '%s' "$URI" | sed 's|///buzon?|///buzon2?|')
	f1=$(find "$T/spool.away" -type f | sort | sed -n 1p)
	f2=$(find "$T/spool.away" -type f | sort | sed -n 2p)
	rm -rf "$T/spool" && mv "$T/spool.away" "$T/spool"
	f1=$T/spool/${f1#"$T/spool.away/"}
	f2=$T/spool/${f2#"$T/spool.away/"}
	printf 'x' >>"$f1"
	rm -f "$f2"
	"$CTL" -c "$T/lite.conf" store migrate --to "$URI2" >"$T/mig3" 2>"$T/mig3.err" ||
	    fail "migrate with a damaged and a missing file: $(cat "$T/mig3.err")"
	grep -q ' 4 spool messages .*; 2 named spool files missing or damaged' "$T/mig3" ||
	    fail "not reported: $(cat "$T/mig3")"
	grep -q "$f1 is damaged" "$T/mig3.err" || fail "the damaged file was not named: $(cat "$T/mig3.err")"
	grep -q "$f2 is named but cannot be read" "$T/mig3.err" || fail "the missing file was not named: $(cat "$T/mig3.err")"
fi

[ $fails -eq 0 ] && echo "PASS: pg-migrate" || exit 1
