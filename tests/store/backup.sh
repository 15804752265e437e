#!/bin/sh
# backup.sh - buzonctl store backup while submissions are being recorded
#
# Rule (issue 13 item 5): "buzonctl store backup FILE" copies the live
# database with SQLite's online backup, safe while the daemon writes; the
# copy passes "store verify-chain". Here mkstore records submissions
# through the store API (bz_store_record_submission, the daemon's own
# transaction) in the background while backups are taken; every copy must
# verify, be one self-contained file (no -wal), mode 0600, and at least one
# must have been taken mid-stream (some submissions, not all). An existing
# destination is never overwritten (exit 2), and bad usage exits 2.
set -u

: "${top_builddir:?}"
CTL="$top_builddir/buzonctl"
MK="$top_builddir/tests/store/mkstore"
SQLITE3=$(command -v sqlite3 || true)
if [ -z "$SQLITE3" ]; then
	echo "SKIP: the sqlite3 command-line shell is not installed (apt-get install sqlite3)"
	exit 77
fi
T=$(mktemp -d /tmp/buzon-store-backup.XXXXXX) || exit 99
writer=
trap '[ -n "$writer" ] && kill "$writer" 2>/dev/null; rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

conf() {	# conf NAME DATABASE
	printf 'Socket unix:%s/milter.sock\nMailboxAddress buzon@imss.gob.mx\nDatabase %s\n' \
	    "$T" "$2" >"$T/$1.conf"
}
conf live "$T/buzon.db"
count() { "$SQLITE3" "$1" 'SELECT count(*) FROM submissions' 2>/dev/null; }

# usage
"$CTL" -c "$T/live.conf" store backup >/dev/null 2>&1; [ $? -eq 2 ] || fail "backup without DEST: not exit 2"
"$CTL" -c "$T/live.conf" store backup "$T/x.db" --json >/dev/null 2>&1; [ $? -eq 2 ] || fail "backup --json: not exit 2"

# a writer that keeps recording until it is stopped
"$MK" "$T/buzon.db" 1 >/dev/null || { echo "ERROR: mkstore failed"; exit 99; }
"$MK" "$T/buzon.db" 1000000 2027 >"$T/writer.out" 2>&1 &
writer=$!
n=0
until [ "$(count "$T/buzon.db")" -gt 20 ] 2>/dev/null; do
	n=$((n + 1))
	[ $n -gt $((100 * ${BUZON_TEST_TIMEOUT_SCALE:-1})) ] && { echo "ERROR: the writer records nothing"; cat "$T/writer.out"; exit 99; }
	sleep 0.1
done

mid=0 last=0
for i in 1 2 3 4 5; do
	if ! "$CTL" -c "$T/live.conf" store backup "$T/copy$i.db" >"$T/out" 2>&1; then
		fail "backup $i: $(cat "$T/out")"
		continue
	fi
	kill -0 "$writer" 2>/dev/null && live=1 || live=0
	[ -f "$T/copy$i.db-wal" ] && fail "copy $i has a -wal file"
	[ "$(stat -c %a "$T/copy$i.db")" = 600 ] || fail "copy $i: mode $(stat -c %a "$T/copy$i.db"), not 600"
	ls "$T" | grep -q 'tmp-' && fail "backup $i left a temporary file"
	c=$(count "$T/copy$i.db")
	conf "copy$i" "$T/copy$i.db"
	if "$CTL" -c "$T/copy$i.conf" store verify-chain >"$T/vc" 2>&1; then
		echo "ok: copy $i ($c submissions, writer running: $live) passes verify-chain"
	else
		fail "copy $i: verify-chain: $(cat "$T/vc")"
	fi
	[ "$c" -ge "$last" ] || fail "copy $i has fewer submissions ($c) than the one before ($last)"
	[ "$live" = 1 ] && [ "$c" -gt 1 ] && mid=$((mid + 1))
	last=$c
	sleep 0.2
done
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
writer=
[ $mid -ge 1 ] || fail "no backup was taken while submissions were being recorded"
[ "$(count "$T/buzon.db")" -gt "$last" ] || fail "the writer recorded nothing after the last backup"
# the live database is intact too
"$CTL" -c "$T/live.conf" store verify-chain >"$T/vc" 2>&1 || fail "live: verify-chain: $(cat "$T/vc")"

# never overwrite
cp "$T/copy1.db" "$T/keep.db"
"$CTL" -c "$T/live.conf" store backup "$T/copy1.db" >"$T/out" 2>&1
[ $? -eq 2 ] || fail "backup onto an existing file: not exit 2"
grep -q "exists" "$T/out" || fail "backup onto an existing file: $(cat "$T/out")"
cmp -s "$T/copy1.db" "$T/keep.db" || fail "an existing file was overwritten"
# a directory that does not exist: exit 3, nothing left
"$CTL" -c "$T/live.conf" store backup "$T/no/such/dir/x.db" >/dev/null 2>&1
[ $? -eq 3 ] || fail "backup into a missing directory: not exit 3"

# restore as documented: the copy under the Database name opens read-write
mkdir "$T/restored"
install -m 0600 "$T/copy5.db" "$T/restored/buzon.db" || exit 99
"$MK" "$T/restored/buzon.db" 3 2028 >/dev/null || fail "restored copy: cannot record"
conf restored "$T/restored/buzon.db"
"$CTL" -c "$T/restored.conf" store verify-chain >"$T/vc" 2>&1 || fail "restored: verify-chain: $(cat "$T/vc")"

[ $fails -eq 0 ] || exit 1
echo "PASS: store backup"
