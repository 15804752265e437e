#!/bin/bash
# pg-restart - the milter on PostgreSQL rides out a restarted and a
# stopped database (issue 15: "the database unreachable or failing over:
# 451 with a coded reason, nothing lost, the milter reconnects by itself")
#
#  1. Signed submissions are accepted, their acuses reach the sink.
#  2. The server is restarted (fast shutdown: every connection of the
#     daemon breaks): the next submissions are accepted, no 451 (an idle
#     connection notices the restart before it is used, core/db_pg.c).
#     Then it crashes (immediate shutdown) and comes back: the next
#     submissions get 250 or 451 BZ-STORE, and every 451'd one is
#     accepted when sent again: the pool, the group committer and the
#     outbox worker reconnect by themselves.
#  3. The server is stopped: each submission gets 451 4.3.0 BZ-STORE and
#     nothing is recorded; the daemon stays up.
#  4. The server is started again: without restarting the daemon, new
#     submissions are accepted and the 451'd ones, sent again, too.
#  Then: every accepted submission has exactly one record (one folio),
#  folios are unique, each folio's acuse reached the sink exactly once,
#  `buzonctl store verify-chain` passes, and the daemon stops cleanly.
#  5. With the server down the daemon refuses to start: it exits non-zero
#     with a "cannot open database" line naming the URI (start-up fails
#     rather than tempfailing every message later; milter/main.c).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

e2e_init pg-restart
e2e_use_pg
sub_pki_conf
e2e_start
sub_ready 1
pid=$E2E_MILTER_PID

ACCEPTED=()	# tokens whose submission got 250
DEFERRED=()	# tokens whose submission got 451 (to be sent again)

# submit ID - a new signed submission; 250 records its token in ACCEPTED,
# 451 BZ-STORE in DEFERRED, anything else fails the test
submit()
{
	local id=$1 tok
	tok=$(sub_message "$E2E_DIR/$id.eml" efirma-fisica)
	cp "$E2E_DIR/$id.eml" "$E2E_DIR/tok-$tok.eml"
	outcome "$id" "$tok"
}

# outcome ID TOKEN - send tok-TOKEN.eml as transaction ID and sort it
outcome()
{
	local id=$1 tok=$2
	e2e_send "$id" --to "$E2E_MAILBOX" --data "@$E2E_DIR/tok-$tok.eml"
	if e2e_accepted "$id"; then
		ACCEPTED+=("$tok")
	elif e2e_reply_has "$id" '451 4.3.0' && e2e_transcript_has "$id" 'BZ-STORE'; then
		DEFERRED+=("$tok")
	else
		e2e_fail "$id: neither 250 nor 451 4.3.0 BZ-STORE: $(sub_last_reply "$id")"
	fi
}

# records - submissions recorded in the database
records() { e2e_sql "SELECT count(*) FROM submissions"; }

# retry_deferred PREFIX - send every DEFERRED token again, as a client
# retrying after a 451 does, until accepted (each at most 20 times: a
# reconnect costs at most one 451 per connection of the daemon)
retry_deferred()
{
	local -a again=("${DEFERRED[@]}")
	local tok n
	DEFERRED=()
	for tok in ${again[@]+"${again[@]}"}; do
		for n in $(seq 1 20); do
			outcome "$1-$n-${tok: -6}" "$tok"
			[ "${ACCEPTED[*]: -1}" = "$tok" ] && break
			unset 'DEFERRED[-1]'
			[ "$n" -lt 20 ] || e2e_fail "$tok: still 451 after 20 attempts"
		done
	done
}

# --- 1. the database up ------------------------------------------------------
for i in 1 2 3; do
	submit "up$i"
done
[ "${#DEFERRED[@]}" -eq 0 ] || e2e_fail "451 with the database up"
e2e_log "ok: ${#ACCEPTED[@]} accepted on PostgreSQL"

# --- 2. restarted: at most 451s, then recovery ---------------------------------
e2e_pg restart || e2e_fail "pg-cluster.sh restart failed"
e2e_log "database restarted"
for i in 1 2 3 4; do
	submit "restart$i"
done
[ "${#DEFERRED[@]}" -eq 0 ] ||
    e2e_fail "${#DEFERRED[@]} submission(s) deferred after a restart of the idle database"
e2e_log "ok: restart: all accepted, no 451"
e2e_pg kill || e2e_fail "pg-cluster.sh kill failed"
e2e_pg up || e2e_fail "pg-cluster.sh up failed"
e2e_log "database crashed (immediate shutdown) and started again"
for i in 1 2 3; do
	submit "crash$i"
done
e2e_log "after the crash: ${#DEFERRED[@]} deferred"
retry_deferred crash-again
e2e_check "the daemon died over the restarts" e2e_milter_alive
e2e_log "ok: the crash cost at most 451s; all accepted, daemon pid $pid up"

# --- 3. stopped: 451 BZ-STORE, nothing recorded, the daemon stays ------------
before=$(records)
e2e_pg stop || e2e_fail "pg-cluster.sh stop failed"
e2e_log "database stopped"
n_ok=${#ACCEPTED[@]}
for i in 1 2 3; do
	submit "down$i"
done
[ "${#ACCEPTED[@]}" -eq "$n_ok" ] ||
    e2e_fail "a submission was accepted with the database down"
[ "${#DEFERRED[@]}" -eq 3 ] || e2e_fail "expected 3 deferred, got ${#DEFERRED[@]}"
e2e_check "the daemon died with the database down" e2e_milter_alive
e2e_milter_log_has 'deferred|BZ-STORE' || e2e_fail "no deferral logged"
e2e_log "ok: database down: 3 x 451 4.3.0 BZ-STORE, daemon up"

# --- 4. up again: accepted without restarting the daemon ---------------------
e2e_pg up || e2e_fail "pg-cluster.sh up failed"
e2e_log "database up again"
[ "$(records)" = "$before" ] ||
    e2e_fail "submissions recorded while the database was down: $before -> $(records)"
retry_deferred down-again
for i in 1 2; do
	submit "after$i"
done
retry_deferred after-again
[ "$E2E_MILTER_PID" = "$pid" ] && e2e_milter_alive ||
    e2e_fail "the daemon is not the one started first"
e2e_log "ok: database back: all accepted by the same daemon"

# --- every accepted submission: one record, one folio, one acuse -------------
declare -A SEEN=()
FOLIOS=()
for tok in "${ACCEPTED[@]}"; do
	[ -z "${SEEN[$tok]+x}" ] || continue
	SEEN[$tok]=1
	c=$(e2e_sql "SELECT count(*) FROM submissions WHERE message_id = '<$tok@empresa.test>'")
	[ "$c" = 1 ] || e2e_fail "$tok: $c records"
	FOLIOS+=("$(e2e_sql "SELECT folio FROM submissions WHERE message_id = '<$tok@empresa.test>'")")
done
[ "$(records)" = "${#FOLIOS[@]}" ] ||
    e2e_fail "$(records) records for ${#FOLIOS[@]} accepted submissions"
[ "$(printf '%s\n' "${FOLIOS[@]}" | sort -u | grep -c .)" = "${#FOLIOS[@]}" ] ||
    e2e_fail "folios not unique: ${FOLIOS[*]}"
# acuses - sink files carrying the acuse of folio $1
acuses() { grep -l -F "Subject: Acuse de recibo $1" "$E2E_DIR"/sink/* 2>/dev/null | grep -c .; }
all_acuses() {
	local f
	for f in "${FOLIOS[@]}"; do
		[ "$(acuses "$f")" -ge 1 ] || return 1
	done
	sub_sink_complete
}
e2e_wait_until "$((E2E_TIMEOUT * 2))" all_acuses ||
    e2e_fail "not every acuse reached the sink (the outbox worker did not recover?)"
for f in "${FOLIOS[@]}"; do
	[ "$(acuses "$f")" = 1 ] || e2e_fail "$f: $(acuses "$f") acuses at the sink"
done
e2e_log "ok: ${#FOLIOS[@]} submissions, one folio and one acuse each"

# For the record: what the daemon said about its connections.
e2e_log "daemon: $(grep -c 'reconnected' "$E2E_DIR/milter.log") reconnection(s)," \
    "$(grep -c 'deferred (BZ-STORE)\|BZ-STORE' "$E2E_DIR/milter.log") BZ-STORE line(s)," \
    "$(grep -c 'database .*: ' "$E2E_DIR/milter.log") database error line(s)"
grep -E 'reconnected|deferred|saved after' "$E2E_DIR/milter.log" | sed -e 's/^/    /' | head -n 20

sub_ctl store verify-chain >"$E2E_DIR/chain.out" 2>&1 ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"
e2e_log "ok: store verify-chain: $(tr '\n' ' ' <"$E2E_DIR/chain.out")"
e2e_stop_milter

# --- 5. the daemon does not start while the database is down -----------------
e2e_pg stop || e2e_fail "pg-cluster.sh stop failed"
e2e_write_conf
rm -f "$E2E_SOCKET"
timeout "$((E2E_TIMEOUT * 2))" "$E2E_MILTER_BIN" -c "$E2E_DIR/milter.conf" -f \
    >"$E2E_DIR/start-down.log" 2>&1
status=$?
[ "$status" -ne 0 ] && [ "$status" -ne 124 ] ||
    e2e_fail "start with the database down: status $status: $(cat "$E2E_DIR/start-down.log")"
grep -q -F "cannot open database postgresql:///buzon" "$E2E_DIR/start-down.log" ||
    e2e_fail "start with the database down: no clear reason: $(cat "$E2E_DIR/start-down.log")"
e2e_log "ok: with the database down the daemon refuses to start (status $status):" \
    "$(grep -F 'cannot open database' "$E2E_DIR/start-down.log" | head -n 1)"
e2e_finish
