#!/bin/bash
# crash-safety - kill -9 the daemon while submissions arrive: nothing is lost
#
# Issue 5: "kill -9 the daemon in a loop while a client sends submissions;
# after restart every message that got 250 has exactly one record and one
# acuse sent, every folio is unique and increasing, verify-chain passes,
# and no message that got 451 or a dropped connection has a record without
# an acuse queued." A client sends NMSG different signed submissions one
# after the other through Postfix (milter_default_action = tempfail, so
# while the daemon is down the client gets 451). Meanwhile the daemon is
# killed with SIGKILL KILLS times, each time right after it logged a new
# event: alternately "received for the mailbox" (dies during verification
# or the store transaction) and "accepted: folio" (dies after the commit,
# possibly before Postfix got the answer), and restarted at once. Nothing
# sleeps a fixed time: every wait polls an event with a deadline.
# Afterwards, once the outbox is drained:
#   - every 250 message has exactly one record (by Message-ID) and exactly
#     one acuse in the outbox, sent and at the sink (copies at the sink are
#     tolerated: a kill between sendmail's exit and the "sent" mark hands
#     the same outbox row to the MTA again; delivery is at least once);
#   - folios are unique, and increase with the record ids without a gap;
#     each is BZ-<year of its legal instant>-<its sequence, 8 digits>;
#   - every record, whatever its SMTP answer, has exactly one outbox row
#     (none without its acuse, none with two) and one submission event;
#   - buzonctl store verify-chain passes.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

NMSG=${BUZON_CRASH_MESSAGES:-24}
KILLS=${BUZON_CRASH_KILLS:-6}

command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 shell not installed"; exit 77; }
[ "${BUZON_VALGRIND:-0}" = 1 ] && { echo "SKIP: kill -9 under valgrind tells nothing about leaks"; exit 77; }
[ "${E2E_DATABASE:-sqlite}" = sqlite ] ||
    { echo "SKIP: SQLite only (checks the SQLite file with SQLite's own functions); E2E_DATABASE=$E2E_DATABASE"; exit 77; }
e2e_init crash-safety
sub_pki_conf
e2e_start
db=$E2E_DIR/spool/buzon.db
sql() { sqlite3 "$db" "$@"; }

for ((i = 1; i <= NMSG; i++)); do
	sub_message "$E2E_DIR/m$i.eml" efirma-fisica >"$E2E_DIR/m$i.tok"
done

# The client: one submission after the other; "TOKEN RESULT" per message.
(
	for ((i = 1; i <= NMSG; i++)); do
		e2e_send "m$i" --to "$E2E_MAILBOX" --data "@$E2E_DIR/m$i.eml" >/dev/null
		if e2e_accepted "m$i"; then
			r=250
		elif e2e_reply_has "m$i" 451; then
			r=451
		else
			r=other
		fi
		echo "$(cat "$E2E_DIR/m$i.tok") $r" >>"$E2E_DIR/results"
	done
) &
client=$!

# log_count ERE - lines of the daemon's log (all its lives) matching ERE
log_count() { grep -E -c -- "$1" "$E2E_DIR/milter.log"; }
# progressed ERE N - the client is done, or the log has more than N matches
progressed() { ! e2e_pid_running "$client" || [ "$(log_count "$1")" -gt "$2" ]; }

kills=0
events=("received for the mailbox" "accepted: folio")
while [ "$kills" -lt "$KILLS" ] && e2e_pid_running "$client"; do
	ev=${events[$((kills % 2))]}
	n=$(log_count "$ev")
	e2e_wait_until "$((E2E_TIMEOUT * 2))" progressed "$ev" "$n" ||
	    e2e_fail "no progress: the log never showed another '$ev'"
	e2e_pid_running "$client" || break
	e2e_kill_milter
	kills=$((kills + 1))
	e2e_log "kill -9 number $kills after '$ev'"
	e2e_start_milter
done
wait "$client" || e2e_fail "the client failed"
[ "$kills" -ge 2 ] || e2e_fail "only $kills kill(s) happened: the run proves nothing"
e2e_milter_alive || e2e_fail "the daemon is not running at the end"

n250=$(grep -c ' 250$' "$E2E_DIR/results")
n451=$(grep -c ' 451$' "$E2E_DIR/results")
nother=$(grep -c ' other$' "$E2E_DIR/results")
e2e_log "$NMSG sent: $n250 got 250, $n451 got 451, $nother other; $kills kills"
[ "$n250" -ge 1 ] || e2e_fail "no message got 250"
[ "$((n250 + n451 + nother))" -eq "$NMSG" ] || e2e_fail "results incomplete"

# The outbox drains (the worker of the last life signs and sends what
# earlier ones left: an acuse is sealed at the commit, signed after it).
pending() { [ "$(sql "SELECT count(*) FROM acuse_pending")" -eq 0 ] &&
    [ "$(sql "SELECT count(*) FROM outbox WHERE status <> 'sent'")" -eq 0 ]; }
e2e_wait_until "$((E2E_TIMEOUT * 2))" pending ||
    e2e_fail "outbox not drained: $(sql "SELECT id, folio, status, last_error FROM outbox WHERE status <> 'sent'")"

# Every 250 message: exactly one record, its acuse sent and at the sink.
while read -r tok r; do
	[ "$r" = 250 ] || continue
	c=$(sql "SELECT count(*) FROM submissions WHERE message_id = '<$tok@empresa.test>'")
	[ "$c" -eq 1 ] || e2e_fail "$tok got 250 but has $c records"
	folio=$(sql "SELECT folio FROM submissions WHERE message_id = '<$tok@empresa.test>'")
	st=$(sql "SELECT acuse_status FROM submissions WHERE folio = '$folio'")
	[ "$st" = sent ] || e2e_fail "$tok ($folio): acuse $st"
	c=$(sql "SELECT count(*) FROM outbox WHERE folio = '$folio' AND status = 'sent'")
	[ "$c" -eq 1 ] || e2e_fail "$tok ($folio) got 250 but has $c acuses sent in the outbox"
	e2e_wait_until "$E2E_TIMEOUT" sub_acuse_file "$folio" >/dev/null ||
	    e2e_fail "$tok ($folio): the acuse never reached the sink"
done <"$E2E_DIR/results"

# No record without its acuse, whatever the SMTP answer was.
orphans=$(sql "SELECT folio FROM submissions s WHERE NOT EXISTS
    (SELECT 1 FROM outbox o WHERE o.folio = s.folio)")
[ -z "$orphans" ] || e2e_fail "records without an outbox row: $orphans"
doubles=$(sql "SELECT folio FROM outbox GROUP BY folio HAVING count(*) > 1")
[ -z "$doubles" ] || e2e_fail "records with more than one acuse queued: $doubles"
[ "$(sql "SELECT count(*) FROM outbox")" -eq "$(sql "SELECT count(*) FROM submissions")" ] ||
    e2e_fail "outbox rows that belong to no record"
noevent=$(sql "SELECT folio FROM submissions s WHERE (SELECT count(*) FROM events e
    WHERE e.folio = s.folio AND e.kind = 'submission') <> 1")
[ -z "$noevent" ] || e2e_fail "records without exactly one submission event: $noevent"
# Records of messages that got 451 or a dropped connection (killed after the
# commit): allowed, and they have their acuse like any other.
recs=$(sql "SELECT count(*) FROM submissions")
[ "$recs" -ge "$n250" ] || e2e_fail "$recs records for $n250 accepted messages"
[ "$(sql "SELECT count(DISTINCT message_id) FROM submissions")" -eq "$recs" ] ||
    e2e_fail "a message was recorded twice"

# Folios: unique, in record order, consecutive (no gap, no reuse).
sql "SELECT seq FROM submissions ORDER BY id" >"$E2E_DIR/seqs"
awk 'NR != $1 { print "folio " NR " has sequence " $1; bad = 1 } END { exit bad }' \
    "$E2E_DIR/seqs" || e2e_fail "folios not consecutive: $(tr '\n' ' ' <"$E2E_DIR/seqs")"
[ "$(sql "SELECT count(DISTINCT folio) FROM submissions")" -eq "$recs" ] ||
    e2e_fail "duplicate folios"
# The folio text is the legal year and the sequence: TestClock is a working
# Monday of 2026, so every legal instant (and folio) is of 2026.
badf=$(sql "SELECT folio FROM submissions WHERE folio <> printf('BZ-%04d-%08d', year, seq)
    OR year <> CAST(strftime('%Y', legal_utc - 6 * 3600, 'unixepoch') AS INTEGER)
    OR year <> 2026")
[ -z "$badf" ] || e2e_fail "folios that do not match their legal year and sequence: $badf"

sub_ctl store verify-chain >"$E2E_DIR/chain.out" 2>&1 ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"
e2e_log "ok: $recs records ($n250 with 250), folios 1..$recs, every acuse sent, chain intact"

e2e_finish
