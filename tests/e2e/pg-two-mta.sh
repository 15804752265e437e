#!/bin/bash
# pg-two-mta - two Postfix instances, two daemons, one PostgreSQL store;
# one daemon killed with SIGKILL and restarted, then the database
# restarted, while submissions arrive
#
# Issue 15: "two Postfix instances with two milters on one database; 500
# signed submissions spread over both while one milter is killed with
# SIGKILL and restarted; afterwards every accepted submission has exactly
# one folio, folios are unique, each has exactly one acuse, and the chain
# verifies."
#
# Set-up: a throwaway PostgreSQL cluster (tests/pg/pg-cluster.sh) in the
# test's directory; instance A is lib.sh's own (Postfix, daemon, the
# sink); instance B is a second Postfix and daemon in $E2E_DIR/b, started
# with the same lib.sh functions after swapping the instance's variables
# (ab_use), relaying to A's sink. Both daemons have the same configuration
# (Database: the cluster's URI) except Socket, PidFile, SpoolDirectory and
# SubmissionServer (each sends its acuses through its own Postfix).
# milter_default_action = tempfail (lib.sh): while a daemon is down its
# Postfix answers 451, never accepts unfiltered mail.
#
# NMSG different signed submissions are made up front and sent by
# tests/e2e/smtp-spread.py, THREADS concurrent clients alternating between
# the two Postfix ports; a 4xx or a lost connection is retried on the other
# port (two MX hosts) until 250. Once a third is done daemon A gets
# SIGKILL, right after it recorded one more submission; it is restarted
# once its Postfix answered 4xx and DOWN seconds passed. In its first life
# A's outbox hands its acuses to a listener that never answers (a stuck
# MTA connection), so when A dies it holds rows claimed by its server
# process: the test requires at least one, and that B (or A's next life)
# takes them over and sends them once A's connections are gone and the
# claim's grace period passed (include/buzon/store_sql.h). A's
# second life uses its own Postfix. Once two thirds are done the
# PostgreSQL server is restarted (fast shutdown) under the same load
# (issue 15: "the database restarted mid-run gives 451s and then
# recovery"). Afterwards, with polling deadlines
# (the signer and the outbox workers are asynchronous):
#   - every message got 250 in the end;
#   - every accepted message has exactly one submissions row (by its
#     Message-ID), no row belongs to a message not sent;
#   - folios are unique (explicitly, besides the UNIQUE constraint) and
#     their sequences are 1..N without gap or reuse across the two hosts;
#   - the rows A's first life held are sent;
#   - every folio's acuse is signed, queued once (one outbox row of its
#     filing), sent, and reached the sink: exactly one distinct acuse
#     Message-ID per folio, In-Reply-To naming its submission; copies with
#     the same Message-ID (a row sent again after the kill: delivery is at
#     least once) count once and are reported; no acuse names an unknown
#     folio;
#   - every accepted message reached the sink once with its folio;
#   - buzonctl store verify-chain exits 0;
#   - neither daemon's log has a sanitizer report.
# Figures (seconds, rate, 4xx replies during the kill) are printed, never
# asserted. BUZON_PG2_MESSAGES, BUZON_PG2_THREADS, BUZON_PG2_DOWN change
# the run's size.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

NMSG=${BUZON_PG2_MESSAGES:-500}
THREADS=${BUZON_PG2_THREADS:-8}
DOWN=${BUZON_PG2_DOWN:-3}

[ "${BUZON_VALGRIND:-0}" = 1 ] && { echo "SKIP: kill -9 under valgrind tells nothing about leaks"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
command -v psql >/dev/null 2>&1 || { echo "SKIP: psql not installed (postgresql-client)"; exit 77; }
e2e_init pg-two-mta

# --- two instances over lib.sh's variables ------------------------------------

# The variables that differ between instance A (lib.sh's) and B.
AB_VARS=(E2E_DIR E2E_SMTP_PORT E2E_SOCKET E2E_MILTER_PID E2E_POSTFIX_UP
    E2E_MILTER_STARTS E2E_MILTER_STATUS)
declare -A AB=()
AB_CUR=A

# ab_use - make instance A or B the one lib.sh's functions work on
ab_use()
{
	local v
	for v in "${AB_VARS[@]}"; do
		AB[$AB_CUR.$v]=${!v}
	done
	AB_CUR=$1
	for v in "${AB_VARS[@]}"; do
		printf -v "$v" '%s' "${AB[$AB_CUR.$v]}"
	done
	# what the two daemons' configurations differ in
	e2e_conf Socket "unix:$E2E_SOCKET"
	e2e_conf PidFile "$E2E_DIR/spool/milter.pid"
	e2e_conf SpoolDirectory "$E2E_DIR/spool"
	e2e_conf SubmissionServer "inet:$E2E_SMTP_PORT@127.0.0.1"
	# the same store; its server processes named after the instance
	[ -z "$URI" ] || e2e_conf Database "$URI&application_name=buzon-$AB_CUR"
}

# ab_init_b - directories and port of instance B (lib.sh's e2e_init for A)
ab_init_b()
{
	local dir=$E2E_DIR/b port
	mkdir -p "$dir/postfix" "$dir/spool"
	chmod 0755 "$dir"
	chown postfix "$dir/spool"
	chmod 0750 "$dir/spool"
	port=$(e2e_reserve_port) || exit 99
	E2E_PORTS+=("$port")
	AB[B.E2E_DIR]=$dir
	AB[B.E2E_SMTP_PORT]=$port
	AB[B.E2E_SOCKET]=$dir/milter.sock
}

PGDIR=$E2E_DIR/pg
PG_STARTED=
URI=
CLIENT=
TARPIT=
signers=()

# ab_cleanup - EXIT trap: instance B and the cluster, then lib.sh's cleanup
# (instance A, the sink, the directory) with the test's status
ab_cleanup()
{
	local status=$?
	trap '' INT TERM HUP
	for pid in "${signers[@]}"; do
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for pid in "$CLIENT" "$TARPIT"; do
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# both daemons before the store: a daemon outliving it logs errors
	ab_use B
	ab_stop_milter
	e2e_stop_postfix
	ab_use A
	ab_stop_milter
	if [ -n "$PG_STARTED" ]; then
		"$top_srcdir/tests/pg/pg-cluster.sh" stop "$PGDIR" >/dev/null 2>&1
		PG_STARTED=
	fi
	ab_status "$status"
	e2e_cleanup
}

# ab_stop_milter - lib.sh's cleanup of a daemon still running after a
# failure (the test's status is kept unless it was 0), for either instance
ab_stop_milter()
{
	[ -n "$E2E_MILTER_PID" ] || return 0
	e2e_term_milter
	wait "$E2E_MILTER_PID" 2>/dev/null
	E2E_MILTER_PID=
	[ "$status" -eq 0 ] && status=99
	grep -E -A20 'ERROR: [A-Za-z]+Sanitizer|runtime error:' \
	    "$E2E_DIR/milter.log" 2>/dev/null | head -n 40
}

# ab_status - set $? to STATUS (e2e_cleanup reads it)
ab_status()
{
	return "$1"
}

# fail - e2e_fail with instance B's log too
fail()
{
	ab_use A
	echo "---- b/milter.log (last 40 lines) ----"
	tail -n 40 "$E2E_DIR/b/milter.log" 2>/dev/null
	echo "---- b/maillog (last 20 lines) ----"
	tail -n 20 "$E2E_DIR/b/maillog" 2>/dev/null
	echo "---- pg/server.log (last 20 lines) ----"
	tail -n 20 "$PGDIR/server.log" 2>/dev/null
	e2e_fail "$@"
}

trap ab_cleanup EXIT
ab_init_b
TARPIT_PORT=$(e2e_reserve_port) || exit 99
E2E_PORTS+=("$TARPIT_PORT")

sub_pki_conf	# the test PKI, before the submissions are signed with it

# --- the submissions ----------------------------------------------------------

# Signed by two processes at once (openssl per message) while the store
# and the instances start; the tokens must differ.
mkdir "$E2E_DIR/msg"
signers=()
t0=$SECONDS
for half in 0 1; do
	(
		for ((i = half + 1; i <= NMSG; i += 2)); do
			tok=$(sub_message "$E2E_DIR/msg/m$i.eml" efirma-fisica) || exit 1
			rm -f "$E2E_DIR/msg/m$i.eml.entity"
			echo "$tok $E2E_DIR/msg/m$i.eml"
		done >"$E2E_DIR/list.$half"
	) &
	signers+=($!)
done

# --- the store ----------------------------------------------------------------

URI=$("$top_srcdir/tests/pg/pg-cluster.sh" start "$PGDIR")
case $? in
0) PG_STARTED=1 ;;
77) e2e_skip "no PostgreSQL server installed" ;;
*) PG_STARTED=1; fail "the PostgreSQL cluster did not start" ;;
esac
e2e_log "store: $URI"
# sql QUERY - one query on the shared store, unaligned rows
sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$URI" -c "$1"; }

# --- the instances ------------------------------------------------------------

# A's first outbox: a listener that accepts and never says a word
python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
open(sys.argv[2], "w").close()
held = []
while True:
    held.append(s.accept()[0])
' "$TARPIT_PORT" "$E2E_DIR/tarpit.ready" >"$E2E_DIR/tarpit.out" 2>&1 &
TARPIT=$!
e2e_wait_until "$E2E_TIMEOUT" test -e "$E2E_DIR/tarpit.ready" || fail "the silent listener did not start"
ab_use A
e2e_conf SubmissionServer "inet:$TARPIT_PORT@127.0.0.1"
e2e_start
ab_use B
e2e_start_postfix
e2e_start_milter
sub_ready 1
ab_use A
sub_ready 1
e2e_log "instance A: smtpd 127.0.0.1:$E2E_SMTP_PORT; instance B: smtpd" \
    "127.0.0.1:${AB[B.E2E_SMTP_PORT]}; sink 127.0.0.1:$E2E_SINK_PORT"

# --- the submissions, signed ----------------------------------------------------

for pid in "${signers[@]}"; do
	wait "$pid" || fail "signing the submissions failed"
done
signers=()
# interleave the halves: message i goes to port i mod 2 in list order
paste -d '\n' "$E2E_DIR/list.0" "$E2E_DIR/list.1" | grep . >"$E2E_DIR/list"
[ "$(cut -d' ' -f1 "$E2E_DIR/list" | sort -u | grep -c .)" -eq "$NMSG" ] ||
    fail "the $NMSG submissions do not have $NMSG distinct tokens"
e2e_log "$NMSG signed submissions ready $((SECONDS - t0)) s after the signing began" \
    "(alongside the start-up)"

# --- sending, with daemon A killed ----------------------------------------------

: >"$E2E_DIR/results"
: >"$E2E_DIR/attempts"
PORT_A=$E2E_SMTP_PORT
PORT_B=${AB[B.E2E_SMTP_PORT]}
t_send=$(date +%s.%N)
python3 "$top_srcdir/tests/e2e/smtp-spread.py" "$E2E_DIR/list" "$PORT_A,$PORT_B" \
    "$THREADS" "$((E2E_TIMEOUT * 8))" "$E2E_DIR/results" "$E2E_DIR/attempts" \
    >"$E2E_DIR/spread.out" 2>&1 &
CLIENT=$!

done_count() { grep -c . "$E2E_DIR/results"; }
# third_done - a third of the messages are done, or the client ended
third_done() { ! e2e_pid_running "$CLIENT" || [ "$(done_count)" -ge "$((NMSG / 3))" ]; }
# a_tempfailed T - port A answered a 4xx or lost a connection after time T
a_tempfailed() { awk -v t="$1" -v p="$PORT_A" '$1 >= t && $3 == p && $4 != 250 { f = 1 }
    END { exit !f }' "$E2E_DIR/attempts"; }

e2e_wait_until "$((E2E_TIMEOUT * 4))" third_done || fail "no progress: $(done_count) done"
e2e_pid_running "$CLIENT" || fail "the client ended before the kill: $(cat "$E2E_DIR/spread.out")"
# The kill comes right after A recorded one more submission: most likely
# with others in flight, and possibly before Postfix had its answer.
n=$(grep -c 'accepted: folio' "$E2E_DIR/milter.log")
a_accepted() { ! e2e_pid_running "$CLIENT" ||
    [ "$(grep -c 'accepted: folio' "$E2E_DIR/milter.log")" -gt "$n" ]; }
e2e_wait_until "$E2E_TIMEOUT" a_accepted || fail "daemon A records nothing"
a_pids=$(sql "SELECT string_agg(pid::text, ',') FROM pg_stat_activity
    WHERE application_name = 'buzon-A'")
[ -n "$a_pids" ] || fail "no server process of daemon A found before the kill"
# the rows A's stuck outbox holds (stable: it waits on the silent listener)
held=$(sql "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM outbox
    WHERE status = 'pending' AND claimed_by IN ($a_pids)")
e2e_kill_milter
t_kill=$(date +%s.%N)
done_at_kill=$(done_count)
e2e_log "daemon A killed (SIGKILL) with $done_at_kill of $NMSG done"
# Down until Postfix A tempfailed someone (deadline), and DOWN seconds at least.
e2e_wait_until "$E2E_TIMEOUT" a_tempfailed "$t_kill" ||
    e2e_log "(no 4xx from instance A while its daemon was down)"
down_ok() { awk -v t="$t_kill" -v d="$DOWN" -v now="$(date +%s.%N)" 'BEGIN { exit !(now - t >= d) }'; }
e2e_wait_until "$((DOWN + 5))" down_ok
# What A left behind: the rows its stuck outbox had claimed must be taken over.
[ -n "$held" ] || fail "daemon A held no outbox row at the kill: the take-over is not tested"
e2e_log "left by A's server processes ($a_pids): outbox row(s) claimed and pending: id(s) $held;" \
    "before A restarts, B has sent $(sql "SELECT count(*) FROM outbox WHERE id IN ($held) AND
    status = 'sent'") of them; store-wide $(sql "SELECT count(*) FROM acuse_pending") acuse(s) waiting for a" \
    "signature, $(sql "SELECT count(*) FROM outbox WHERE status = 'pending'") outbox row(s) pending"
# A's second life: acuses through its own Postfix
e2e_conf SubmissionServer "inet:$E2E_SMTP_PORT@127.0.0.1"
e2e_start_milter
t_up=$(date +%s.%N)
sub_ready 2
e2e_log "daemon A restarted after $(awk -v a="$t_kill" -v b="$t_up" 'BEGIN { printf "%.1f", b - a }') s"

# --- the database restarted mid-run ---------------------------------------------
# "The database restarted mid-run gives 451s and then recovery": once two
# thirds are done, with the client still sending to both hosts, the
# server is restarted (fast shutdown: every connection of both daemons
# breaks, the transactions in flight are rolled back). Every check below
# holds across it; the 4xx it cost are counted, never asserted.
two_thirds() { ! e2e_pid_running "$CLIENT" || [ "$(done_count)" -ge "$((NMSG * 2 / 3))" ]; }
e2e_wait_until "$((E2E_TIMEOUT * 4))" two_thirds || fail "no progress after A restarted: $(done_count) done"
e2e_pid_running "$CLIENT" ||
    fail "the client ended before the database restart (BUZON_PG2_MESSAGES too small?)"
t_pg=$(date +%s.%N)
done_at_pg=$(done_count)
"$top_srcdir/tests/pg/pg-cluster.sh" restart "$PGDIR" >/dev/null || fail "the cluster did not restart"
t_pg_up=$(date +%s.%N)
e2e_log "database restarted (fast shutdown) with $done_at_pg of $NMSG done, down" \
    "$(awk -v a="$t_pg" -v b="$t_pg_up" 'BEGIN { printf "%.1f", b - a }') s"

wait "$CLIENT" || fail "the client failed: $(cat "$E2E_DIR/spread.out")"
CLIENT=
t_end=$(date +%s.%N)
[ "$(done_count)" -eq "$NMSG" ] || fail "the client reported $(done_count) of $NMSG messages"
n250=$(awk '$2 == 250' "$E2E_DIR/results" | grep -c .)
n4xx=$(awk '$4 != 250 && $4 !~ /^5/' "$E2E_DIR/attempts" | grep -c .)
n4xx_kill=$(awk -v a="$t_kill" -v b="$t_up" '$1 >= a && $1 <= b + 1 && $4 != 250 && $4 !~ /^5/' \
    "$E2E_DIR/attempts" | grep -c .)
n4xx_pg=$(awk -v a="$t_pg" -v b="$t_pg_up" '$1 >= a && $1 <= b + 5 && $4 != 250 && $4 !~ /^5/' \
    "$E2E_DIR/attempts" | grep -c .)
ntries=$(grep -c . "$E2E_DIR/attempts")
retried=$(awk '$4 > 1' "$E2E_DIR/results" | grep -c .)
e2e_log "sent: $n250 of $NMSG got 250 in $(awk -v a="$t_send" -v b="$t_end" \
    'BEGIN { printf "%.1f s (%.1f msg/s)", b - a, '"$n250"' / (b - a) }');" \
    "$ntries SMTP transactions, $n4xx 4xx or lost ($n4xx_kill while A was down," \
    "$n4xx_pg in the 5 s after the database restart)," \
    "$retried messages retried;" \
    "by A: $(awk -v p="$PORT_A" '$2 == 250 && $3 == p' "$E2E_DIR/results" | grep -c .)," \
    "by B: $(awk -v p="$PORT_B" '$2 == 250 && $3 == p' "$E2E_DIR/results" | grep -c .)"
[ "$n250" -eq "$NMSG" ] ||
    fail "$((NMSG - n250)) message(s) never got 250: $(awk '$2 != 250' "$E2E_DIR/results" | head -n 5)"

# --- the store settles ----------------------------------------------------------

# drained - every acuse signed and every outbox row sent
drained() { [ "$(sql "SELECT (SELECT count(*) FROM acuse_pending) +
    (SELECT count(*) FROM outbox WHERE status <> 'sent')")" = 0 ]; }
e2e_wait_until "$((E2E_TIMEOUT * 4))" drained ||
    fail "outbox not drained: $(sql "SELECT count(*) FROM acuse_pending") pending," \
	"$(sql "SELECT status, count(*) FROM outbox GROUP BY status" | tr '\n' ' ')"
t_drained=$(date +%s.%N)
[ "$(sql "SELECT count(*) FROM outbox WHERE id IN ($held) AND status = 'sent'")" -eq \
    "$(echo "$held" | tr ',' '\n' | grep -c .)" ] || fail "rows A held are not all sent"
e2e_log "store drained $(awk -v a="$t_end" -v b="$t_drained" 'BEGIN { printf "%.1f", b - a }') s" \
    "after the last 250"

# --- every accepted message: one row, one folio ----------------------------------

sql "SELECT message_id, folio, seq FROM submissions ORDER BY seq" >"$E2E_DIR/rows"
recs=$(grep -c . "$E2E_DIR/rows")
awk '$2 == 250 { print "<" $1 "@empresa.test>" }' "$E2E_DIR/results" | sort >"$E2E_DIR/accepted-ids"
cut -d'|' -f1 "$E2E_DIR/rows" | sort >"$E2E_DIR/row-ids"
twice=$(uniq -d "$E2E_DIR/row-ids")
[ -z "$twice" ] || fail "messages with more than one row: $(echo "$twice" | head -n 5)"
missing=$(comm -23 "$E2E_DIR/accepted-ids" "$E2E_DIR/row-ids")
[ -z "$missing" ] || fail "accepted messages without a row: $(echo "$missing" | head -n 5)"
extra=$(comm -13 "$E2E_DIR/accepted-ids" "$E2E_DIR/row-ids")
[ -z "$extra" ] || fail "rows of messages never accepted: $(echo "$extra" | head -n 5)"
[ "$recs" -eq "$n250" ] || fail "$recs rows for $n250 accepted messages"

# Folios: unique (the UNIQUE constraint, and counted), one counter for both
# hosts: sequences 1..N, no gap, no reuse.
[ "$(sql "SELECT count(DISTINCT folio) FROM submissions")" -eq "$recs" ] ||
    fail "duplicate folios: $(sql "SELECT folio FROM submissions GROUP BY folio HAVING count(*) > 1")"
awk -F'|' 'NR != $3 { print "row " NR " has sequence " $3; bad = 1; exit } END { exit bad }' \
    "$E2E_DIR/rows" || fail "folio sequences are not 1..$recs"
badf=$(sql "SELECT folio FROM submissions WHERE folio <> 'BZ-' || year || '-' ||
    lpad(seq::text, 8, '0') OR year <> 2026")
[ -z "$badf" ] || fail "folios that do not match their year and sequence: $badf"
e2e_log "ok: $recs rows, one per accepted message, folios unique, sequences 1..$recs"

# Each folio: its acuse signed and kept, queued once by its filing, sent.
bad=$(sql "SELECT s.folio FROM submissions s WHERE s.acuse IS NULL
    OR s.acuse_status <> 'sent' OR (SELECT count(*) FROM outbox o WHERE o.folio =
    s.folio AND o.kind = 'acuse' AND o.repeat_of IS NULL) <> 1")
[ -z "$bad" ] || fail "folios whose acuse is not kept, queued once and sent:" \
    "$(echo "$bad" | head -n 5 | tr '\n' ' ')"
resent=$(sql "SELECT count(*) FROM outbox WHERE repeat_of IS NOT NULL")
repeats=$(sql "SELECT count(*) FROM events WHERE kind = 'repeat'")
e2e_log "ok: every acuse kept, queued once by its filing and sent;" \
    "$repeats repeat event(s), $resent acuse(s) queued again for a repeat"

# --- the sink: one acuse per folio, each message delivered once -----------------

# sink_sent - messages both instances logged as delivered to the sink
sink_sent()
{
	cat "$E2E_DIR/maillog" "$E2E_DIR/b/maillog" 2>/dev/null |
	    grep ' status=sent ' | awk '{ print $6 }' | sort -u | grep -c .
}
expected=$((recs * 2 + resent))
sink_full() { [ "$(sink_sent)" -ge "$expected" ] && [ "$(e2e_sink_count)" -ge "$(sink_sent)" ]; }
e2e_wait_until "$((E2E_TIMEOUT * 4))" sink_full ||
    fail "the sink got $(e2e_sink_count) file(s), $(sink_sent) logged sent; $expected expected"

# One line per sink file: FILE KIND KEY MESSAGE-ID IN-REPLY-TO, KIND acuse
# (KEY its Subject's folio) or filing (KEY its X-Buzon-Folio).
e2e_sink_files | xargs awk '
	function out() {
		if (kind != "") print FILENAME, kind, key, mid, irt
		else print FILENAME, "other", "-", mid, irt
	}
	FNR == 1 { if (NR > 1 && !done) out(); kind = ""; key = "-"; mid = "-";
	    irt = "-"; started = 0; done = 0 }
	done { next }
	{ sub(/\r$/, "") }
	/^Received: / { started = 1 }
	started && $0 == "" { out(); done = 1; next }
	tolower($1) == "message-id:" { mid = $2 }
	tolower($1) == "in-reply-to:" { irt = $2 }
	/^Subject: Acuse de recibo / { kind = "acuse"; key = $5 }
	tolower($1) == "x-buzon-folio:" && kind != "acuse" { kind = "filing"; key = $2 }
	END { if (!done) out() }' >"$E2E_DIR/sink.idx"
others=$(awk '$2 == "other"' "$E2E_DIR/sink.idx" | grep -c .)
[ "$others" -eq 0 ] || fail "$others sink file(s) neither a filing nor an acuse:" \
    "$(awk '$2 == "other" { print $1 }' "$E2E_DIR/sink.idx" | head -n 3)"

cut -d'|' -f2 "$E2E_DIR/rows" | sort >"$E2E_DIR/folios"
# acuses: distinct Message-IDs per folio; copies reported
awk '$2 == "acuse" { print $3, $4, $5 }' "$E2E_DIR/sink.idx" | sort >"$E2E_DIR/acuses"
acuse_files=$(grep -c . "$E2E_DIR/acuses")
sort -u "$E2E_DIR/acuses" >"$E2E_DIR/acuses.u"
copies=$((acuse_files - $(grep -c . "$E2E_DIR/acuses.u")))
multi=$(cut -d' ' -f1 "$E2E_DIR/acuses.u" | uniq -d)
[ -z "$multi" ] || fail "folios with acuses of different Message-IDs at the sink:" \
    "$(grep -F -f <(echo "$multi" | head -n 3) "$E2E_DIR/acuses.u")"
unknown=$(cut -d' ' -f1 "$E2E_DIR/acuses.u" | comm -13 "$E2E_DIR/folios" -)
[ -z "$unknown" ] || fail "acuses for unknown folios: $(echo "$unknown" | head -n 5)"
noacuse=$(cut -d' ' -f1 "$E2E_DIR/acuses.u" | comm -23 "$E2E_DIR/folios" -)
[ -z "$noacuse" ] || fail "folios without an acuse at the sink: $(echo "$noacuse" | head -n 5)"
# each acuse answers its own submission
wrong=$(join -t' ' <(awk -F'|' '{ print $2, $1 }' "$E2E_DIR/rows" | sort) \
    "$E2E_DIR/acuses.u" | awk '$2 != $4 { print $1 }')
[ -z "$wrong" ] || fail "acuses whose In-Reply-To is not their submission: $(echo "$wrong" | head -n 5)"
e2e_log "ok: one acuse per folio at the sink ($acuse_files file(s)," \
    "$copies copy/copies of an acuse already delivered)"
[ "$copies" -eq 0 ] || e2e_log "acuses delivered more than once (same Message-ID):" \
    "$(uniq -d "$E2E_DIR/acuses" | cut -d' ' -f1 | head -n 10 | tr '\n' ' ')"

# filings: each accepted message delivered once, with its folio
awk '$2 == "filing" { print $4, $3 }' "$E2E_DIR/sink.idx" | sort >"$E2E_DIR/filings"
dup=$(cut -d' ' -f1 "$E2E_DIR/filings" | uniq -d)
[ -z "$dup" ] || fail "submissions delivered more than once: $(echo "$dup" | head -n 5)"
awk -F'|' '{ print $1, $2 }' "$E2E_DIR/rows" | sort >"$E2E_DIR/rows.mf"
diff "$E2E_DIR/rows.mf" "$E2E_DIR/filings" >"$E2E_DIR/filings.diff" ||
    fail "the delivered submissions and their X-Buzon-Folio differ from the rows:" \
	"$(head -n 10 "$E2E_DIR/filings.diff")"
e2e_log "ok: every accepted submission delivered once with its folio"

# --- the chain, the daemons' health ----------------------------------------------

sub_ctl store verify-chain >"$E2E_DIR/chain.out" 2>&1 ||
    fail "verify-chain: $(tail -n 20 "$E2E_DIR/chain.out")"
e2e_log "ok: verify-chain: $(tail -n 1 "$E2E_DIR/chain.out")"

ab_use B
e2e_stop_milter
e2e_stop_postfix
ab_use A
e2e_log "total $(awk -v a="$t_send" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" \
    "from the first submission"
e2e_finish
