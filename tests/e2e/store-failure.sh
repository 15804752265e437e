#!/bin/bash
# store-failure - when the record cannot be committed: 451, nothing half-written
#
# Issue 5: "When the record cannot be committed (disk full, database locked
# past the timeout, spool write error): 451 4.3.0, and nothing half-written
# remains." Through the real Postfix, with a valid signed submission:
#   1. the database locked by another process (sqlite3 holding BEGIN
#      EXCLUSIVE) past DatabaseBusyTimeout (500 ms): 451 4.3.0 BZ-STORE, no
#      submission, event or outbox row, no temporary file; the spool copy
#      written before the transaction stays (documented) and once the lock
#      is gone the same message is accepted (the sender's retry works) with
#      a record naming that same copy;
#   2. SpoolDirectory on a full tmpfs (root, mount(8) allowed): the content-
#      addressed copy cannot be written: 451 4.3.0 BZ-STORE, no record, no
#      temporary file left. Where tmpfs cannot be mounted the test reports
#      SKIP after part 1 (which must have passed).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 shell not installed"; exit 77; }
[ "${E2E_DATABASE:-sqlite}" = sqlite ] ||
    { echo "SKIP: SQLite only (locks the SQLite file with the sqlite3 shell; pg-restart.sh is its PostgreSQL counterpart); E2E_DATABASE=$E2E_DATABASE"; exit 77; }
e2e_init store-failure
sub_pki_conf
e2e_conf DatabaseBusyTimeout 500
e2e_start
sub_ready 1	# the store is open before we lock it
db=$E2E_DIR/spool/buzon.db
mnt=
lockpid=
# our own cleanup first (lock holder, tmpfs), then lib.sh's
trap 'st=$?; store_failure_cleanup; (exit $st); e2e_cleanup' EXIT

store_failure_cleanup()
{
	if [ -n "$lockpid" ]; then
		kill "$lockpid" 2>/dev/null
		wait "$lockpid" 2>/dev/null
	fi
	if [ -n "$mnt" ]; then
		e2e_stop_milter >/dev/null 2>&1
		umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
	fi
}

# counts - "submissions events outbox" from the store
counts()
{
	sqlite3 "$db" 'SELECT (SELECT count(*) FROM submissions), (SELECT count(*) FROM events),
	    (SELECT count(*) FROM outbox);' | tr '|' ' '
}

# copies - the content-addressed copies in the spool (ab/cdef...), sorted
copies() { find "$E2E_DIR/spool" -mindepth 2 -path '*/[0-9a-f][0-9a-f]/*' -type f | sort; }
# temps - temporary files of the spool (none may outlive a decision)
temps() { find "$E2E_DIR/spool" -maxdepth 1 -type f \( -name '.cas-*' -o -name 'buzon-spool.*' \); }

# --- 1. the database locked past the busy timeout ------------------------------
before=$(counts) || e2e_fail "cannot read $db"
copies >"$E2E_DIR/copies.0"
mkfifo "$E2E_DIR/lock.in"
sqlite3 "$db" <"$E2E_DIR/lock.in" >"$E2E_DIR/lock.out" 2>&1 &
lockpid=$!
exec {lockfd}>"$E2E_DIR/lock.in"
printf 'PRAGMA busy_timeout=10000;\nBEGIN EXCLUSIVE;\nSELECT %s;\n' "'LOCKED'" >&"$lockfd"
e2e_wait_until "$E2E_TIMEOUT" grep -q LOCKED "$E2E_DIR/lock.out" ||
    e2e_fail "sqlite3 did not get the exclusive lock: $(cat "$E2E_DIR/lock.out")"

tok=$(sub_message "$E2E_DIR/locked.eml" efirma-fisica)
e2e_send locked --to "$E2E_MAILBOX" --data "@$E2E_DIR/locked.eml"
e2e_reply_has locked '451 4.3.0' && e2e_transcript_has locked 'BZ-STORE' ||
    e2e_fail "locked database: expected 451 4.3.0 BZ-STORE: $(sub_last_reply locked)"
e2e_transcript_has locked 'queued as' && e2e_fail "locked database: Postfix queued it"
e2e_milter_log_has 'deferred \(BZ-STORE\)' || e2e_fail "no BZ-STORE log line"

printf 'COMMIT;\n.quit\n' >&"$lockfd"
exec {lockfd}>&-
wait "$lockpid"
lockpid=
[ "$(counts)" = "$before" ] ||
    e2e_fail "locked database: the store changed ($before -> $(counts))"
e2e_log "ok: locked database: 451 4.3.0 BZ-STORE, store unchanged ($before)"
# The copy written (and synced) before the transaction stays, named by no
# record (README: harmless, reused by the retry); no temporary file stays.
copies >"$E2E_DIR/copies.1"
new_copy=$(comm -13 "$E2E_DIR/copies.0" "$E2E_DIR/copies.1")
[ "$(printf '%s\n' "$new_copy" | grep -c .)" -eq 1 ] ||
    e2e_fail "locked database: expected one new spool copy, found: $new_copy"
[ -z "$(temps)" ] || e2e_fail "locked database: temporary spool files left: $(temps)"

e2e_send retry --to "$E2E_MAILBOX" --data "@$E2E_DIR/locked.eml" ||
    e2e_fail "retry refused: $(sub_last_reply retry)"
e2e_accepted retry || e2e_fail "retry after the lock: no 250"
read -r subs _ <<<"$(counts)"
[ "$subs" -eq 1 ] || e2e_fail "retry: expected 1 submission, found $subs"
e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <$tok@" >/dev/null ||
    e2e_fail "retry: the submission never reached the sink"
e2e_received "$tok" "$E2E_DIR/retry.got"
sub_acuse "$(sub_folio "$E2E_DIR/retry.got")" "$E2E_DIR/retry-acuse.eml"
[ "$(sqlite3 "$db" "SELECT spool_path FROM submissions")" = "$new_copy" ] ||
    e2e_fail "retry: the record names $(sqlite3 "$db" "SELECT spool_path FROM submissions"), not the copy $new_copy"
copies >"$E2E_DIR/copies.2"
cmp -s "$E2E_DIR/copies.1" "$E2E_DIR/copies.2" ||
    e2e_fail "retry: the spool copies changed: $(diff "$E2E_DIR/copies.1" "$E2E_DIR/copies.2")"
e2e_log "ok: the same message accepted once the lock is gone, its earlier spool copy reused"

# --- 2. the spool on a full file system -------------------------------------------
mnt=$E2E_DIR/full
mkdir "$mnt"
if ! mount -t tmpfs -o size=64k,mode=0750 tmpfs "$mnt" 2>"$E2E_DIR/mount.err"; then
	mnt=
	e2e_finish_skip=1
fi
if [ -n "${e2e_finish_skip:-}" ]; then
	e2e_stop_milter
	echo "SKIP: cannot mount a tmpfs for the full-disk part ($(cat "$E2E_DIR/mount.err")); the locked-database part passed"
	E2E_FINISHED=skip
	exit 77
fi
chown postfix "$mnt"
# fill it up: the first write of the content-addressed copy fails (ENOSPC)
dd if=/dev/zero of="$mnt/filler" bs=1k count=1024 2>/dev/null
[ "$(df -k --output=avail "$mnt" | tail -n 1 | tr -d ' ')" -eq 0 ] ||
    e2e_fail "could not fill $mnt"
e2e_stop_milter
e2e_conf SpoolDirectory "$mnt"
e2e_start_milter
sub_ready 2
before=$(counts)
sub_message "$E2E_DIR/full.eml" efirma-fisica >/dev/null
e2e_send full --to "$E2E_MAILBOX" --data "@$E2E_DIR/full.eml"
e2e_reply_has full '451 4.3.0' && e2e_transcript_has full 'BZ-STORE' ||
    e2e_fail "full spool: expected 451 4.3.0 BZ-STORE: $(sub_last_reply full)"
e2e_milter_log_has 'deferred \(BZ-STORE\).*(No space|space)' ||
    e2e_fail "full spool: the log does not say why (no space)"
[ "$(counts)" = "$before" ] ||
    e2e_fail "full spool: the store changed ($before -> $(counts))"
left=$(find "$mnt" -mindepth 1 ! -name filler | head -n 5)
[ -z "$left" ] || e2e_fail "full spool: files left behind: $left"
e2e_log "ok: full spool: 451 4.3.0 BZ-STORE, store unchanged, nothing left"

# room again: the same message goes through
rm -f "$mnt/filler"
e2e_send full-retry --to "$E2E_MAILBOX" --data "@$E2E_DIR/full.eml" ||
    e2e_fail "retry refused: $(sub_last_reply full-retry)"
e2e_accepted full-retry || e2e_fail "full spool retry: no 250"
sub_ctl store verify-chain >"$E2E_DIR/chain.out" 2>&1 ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"

e2e_stop_milter
umount "$mnt" || umount -l "$mnt"
mnt=
e2e_finish
