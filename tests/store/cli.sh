#!/bin/sh
# cli.sh - buzonctl store verify-chain / stats / outbox on a real database
#
# The database is filled through the store API (tests/store/mkstore), then
# tampered with using the sqlite3 command-line shell, as an intruder with
# file access would: drop the append-only triggers, change one row.
set -u

: "${top_builddir:?}"
CTL="$top_builddir/buzonctl"
MK="$top_builddir/tests/store/mkstore"
SQLITE3=$(command -v sqlite3 || true)
if [ -z "$SQLITE3" ]; then
	echo "SKIP: the sqlite3 command-line shell is not installed (apt-get install sqlite3)"
	exit 77
fi

T=$(mktemp -d /tmp/buzon-store-cli.XXXXXX) || exit 99
trap 'rm -rf "$T"' EXIT
fails=0

# check NAME EXPECTED_STATUS COMMAND... - run, compare the exit status
check() {
	name=$1 want=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: $name: exit $got, want $want"
		sed 's/^/  out: /' "$T/out"
		sed 's/^/  err: /' "$T/err"
		fails=$((fails + 1))
	else
		echo "ok: $name"
	fi
}

# expect NAME PATTERN FILE - grep a result
expect() {
	if grep -q -- "$2" "$3"; then
		echo "ok: $1"
	else
		echo "FAIL: $1: no '$2' in:"
		sed 's/^/  /' "$3"
		fails=$((fails + 1))
	fi
}

cat >"$T/buzon.conf" <<CONF
Socket unix:$T/milter.sock
MailboxAddress buzon@imss.gob.mx
Database $T/buzon.db
CONF

check "help" 0 "$CTL" store --help
check "no subcommand" 2 "$CTL" -c "$T/buzon.conf" store
check "unknown subcommand" 2 "$CTL" -c "$T/buzon.conf" store frobnicate
check "missing database" 2 "$CTL" -c "$T/buzon.conf" store verify-chain
expect "missing database named" "cannot open database" "$T/err"
[ -e "$T/buzon.db" ] && { echo "FAIL: a read-only command created the database"; fails=$((fails + 1)); }

check "fill" 0 "$MK" "$T/buzon.db" 4
expect "first folio" "^BZ-2026-00000001$" "$T/out"
expect "fourth folio" "^BZ-2026-00000004$" "$T/out"
mode=$(stat -c %a "$T/buzon.db")
[ "$mode" = 600 ] && echo "ok: database mode 0600" || { echo "FAIL: database mode $mode"; fails=$((fails + 1)); }

check "verify intact" 0 "$CTL" -c "$T/buzon.conf" store verify-chain
expect "intact text" "event log intact: 4 rows, head [0-9a-f]\{64\}" "$T/out"
check "verify intact json" 0 "$CTL" -c "$T/buzon.conf" store verify-chain --json
expect "intact json" '"intact": true, "events": 4, "broken_id": null' "$T/out"

check "stats" 0 "$CTL" -c "$T/buzon.conf" store stats
expect "stats submissions" "^submissions *4$" "$T/out"
expect "stats last folio" "^last folio *BZ-2026-00000004$" "$T/out"
check "stats json" 0 "$CTL" -c "$T/buzon.conf" store stats --json
expect "stats json" '"submissions": 4, "repeats": 0, "events": 4, "acuses_pending_signature": 0, "outbox": {"pending": 4, "sent": 0, "failed": 0}, "last_folio": "BZ-2026-00000004"' "$T/out"

check "outbox" 0 "$CTL" -c "$T/buzon.conf" store outbox
expect "outbox row" "^3 pending acuse BZ-2026-00000003 rh@empresa.example attempts=0" "$T/out"
check "outbox json" 0 "$CTL" -c "$T/buzon.conf" store outbox --json
expect "outbox json" '"folio": "BZ-2026-00000002", "kind": "acuse", "recipient": "rh@empresa.example", "status": "pending"' "$T/out"

# Through SQLite the log refuses changes ...
if "$SQLITE3" "$T/buzon.db" "UPDATE events SET detail = '{}' WHERE id = 3" 2>"$T/err"; then
	echo "FAIL: UPDATE of an event was allowed"; fails=$((fails + 1))
else
	expect "append-only trigger" "events are append-only" "$T/err"
fi
# ... an intruder drops the triggers and edits row 3: verify-chain names it.
"$SQLITE3" "$T/buzon.db" "DROP TRIGGER events_no_update; UPDATE events SET detail = replace(detail, 'MKSTORE', 'FORGED') WHERE id = 3" || exit 99
check "verify broken" 1 "$CTL" -c "$T/buzon.conf" store verify-chain
expect "broken row named" "BROKEN at row 3: hash does not match" "$T/out"
check "verify broken json" 1 "$CTL" -c "$T/buzon.conf" store verify-chain --json
expect "broken json" '"intact": false, "events": 3, "broken_id": 3' "$T/out"

# A database from a newer buzon-milter is refused, not misread.
"$SQLITE3" "$T/buzon.db" "PRAGMA user_version = 99" || exit 99
check "newer schema" 2 "$CTL" -c "$T/buzon.conf" store stats
expect "newer schema explained" "schema version 99, newer than this buzon-milter" "$T/err"
# ... and by the daemon, at start-up (after the privilege drop, so as root
# the serving user must reach the file: a refusal for any other reason
# would not name the schema version). The daemon exits (the socket file it
# made as root stays, as after any failed start: libmilter replaces it at
# the next start); the database is left as it was.
MILTER="$top_builddir/buzon-milter"
if [ -x "$MILTER" ]; then
	cp "$T/buzon.conf" "$T/milter.conf"
	printf 'SpoolDirectory %s\nSyslog no\n' "$T" >>"$T/milter.conf"
	if [ "$(id -u)" -eq 0 ]; then
		echo "UserID nobody" >>"$T/milter.conf"
		chmod 0755 "$T"
		chown nobody "$T" "$T/buzon.db"*
	fi
	check "daemon refuses newer schema" 1 timeout "$((60 * ${BUZON_TEST_TIMEOUT_SCALE:-1}))" "$MILTER" -c "$T/milter.conf" -f
	expect "daemon names the newer schema" "schema version 99, newer than this buzon-milter understands" "$T/err"
	[ "$("$SQLITE3" "$T/buzon.db" "PRAGMA user_version")" = 99 ] ||
	    { echo "FAIL: the refused daemon changed the schema version"; fails=$((fails + 1)); }
fi

[ "$fails" -eq 0 ] || exit 1
exit 0
