#!/bin/bash
# acuse-sign-crash - the acuse is sealed at the 250 and signed afterwards:
# a kill -9 in between loses nothing, and a sealed cadena changed in
# between is neither signed nor missed by verify-chain
#
# Issue 12: "acuse signing off the end-of-message path where that keeps
# every guarantee of the record". The daemon runs with
# TestAcuseSignDelay (TestMode only) so its outbox worker holds each
# sealed acuse back; then:
#   1. a submission gets 250 with its folio; the acuse is sealed but not
#      signed: nothing is queued or at the sink, `receipt show` says
#      pending-signature, `receipt resend` exits 3, verify-chain passes
#      and counts it;
#   2. the daemon is killed with SIGKILL and started again without the
#      delay: exactly one signed acuse of the folio reaches the sink, it
#      verifies (S/MIME, schema, sello), the record has one outbox row
#      and one "acuse-signed" event, verify-chain passes; a further
#      restart sends nothing again;
#   3. a second submission, sealed, then the daemon is killed and the
#      record's legal instant moved back a day in the database:
#      verify-chain names the folio (exit 1); started again, the daemon
#      refuses to sign it (logged) and no acuse of that folio is sent.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"

command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 shell not installed"; exit 77; }
[ "${BUZON_VALGRIND:-0}" = 1 ] && { echo "SKIP: kill -9 under valgrind tells nothing about leaks"; exit 77; }
[ "${E2E_DATABASE:-sqlite}" = sqlite ] ||
    { echo "SKIP: SQLite only (reads and edits the SQLite file with the sqlite3 shell); E2E_DATABASE=$E2E_DATABASE"; exit 77; }
e2e_init acuse-sign-crash
sub_pki_conf
e2e_conf TestAcuseSignDelay 3600
e2e_start
db=$E2E_DIR/spool/buzon.db
sql() { sqlite3 "$db" "$@"; }
# acuses_at_sink FOLIO - how many acuses of FOLIO the sink holds
acuses_at_sink() { e2e_sink_files | xargs -r grep -l -- "Subject: Acuse de recibo $1" | wc -l; }

# --- 1. sealed at the 250, not signed --------------------------------------
tok=$(sub_message "$E2E_DIR/m1.eml" efirma-fisica)
sub_deliver m1 remitente@empresa.test "$E2E_DIR/m1.eml" "$tok@"
folio=$(sub_folio "$E2E_DIR/m1.got")
[ -n "$folio" ] || e2e_fail "no folio"
[ "$(sql "SELECT count(*) FROM acuse_pending WHERE folio = '$folio'")" -eq 1 ] ||
    e2e_fail "$folio: no pending acuse after the 250"
[ "$(sql "SELECT count(*) FROM submissions WHERE folio = '$folio' AND acuse IS NULL")" -eq 1 ] ||
    e2e_fail "$folio: an acuse was kept before the delay"
[ "$(sql "SELECT count(*) FROM outbox WHERE folio = '$folio'")" -eq 0 ] ||
    e2e_fail "$folio: an acuse was queued before it was signed"
sql "SELECT detail FROM events WHERE folio = '$folio' AND kind = 'submission'" |
    grep -q '"cadena_sha256": "[0-9a-f]\{64\}".*"acuse_pending_sha256": "[0-9a-f]\{64\}"' ||
    e2e_fail "$folio: the submission event does not seal the cadena and the pending acuse"
sub_ctl receipt show "$folio" >"$E2E_DIR/show1.out" 2>&1 ||
    e2e_fail "receipt show: $(cat "$E2E_DIR/show1.out")"
grep -q "Estado del acuse: pending-signature" "$E2E_DIR/show1.out" &&
    grep -q "$folio" "$E2E_DIR/show1.out" ||
    e2e_fail "receipt show of a sealed, unsigned acuse: $(cat "$E2E_DIR/show1.out")"
sub_ctl receipt show "$folio" --json >"$E2E_DIR/show1.json" 2>&1 &&
    grep -q '"estadoAcuse": "pending-signature"' "$E2E_DIR/show1.json" ||
    e2e_fail "receipt show --json: $(cat "$E2E_DIR/show1.json")"
rc=0
sub_ctl receipt resend "$folio" >"$E2E_DIR/resend1.out" 2>&1 || rc=$?
[ "$rc" -eq 3 ] && grep -q "sealed but not signed yet" "$E2E_DIR/resend1.out" ||
    e2e_fail "receipt resend of an unsigned acuse: exit $rc, $(cat "$E2E_DIR/resend1.out")"
sub_ctl store verify-chain >"$E2E_DIR/chain1.out" 2>&1 ||
    e2e_fail "verify-chain with a pending acuse: $(cat "$E2E_DIR/chain1.out")"
grep -q "acuses sealed and not signed yet: 1" "$E2E_DIR/chain1.out" ||
    e2e_fail "verify-chain does not count the pending acuse: $(cat "$E2E_DIR/chain1.out")"
[ "$(acuses_at_sink "$folio")" -eq 0 ] || e2e_fail "$folio: an acuse reached the sink before it was signed"
e2e_log "ok: $folio sealed at the 250, not signed, nothing sent"

# --- 2. SIGKILL, restart: signed and sent exactly once ----------------------
e2e_kill_milter
e2e_log "kill -9 between the 250 and the signature"
e2e_conf TestAcuseSignDelay 0
e2e_start_milter
sub_acuse "$folio" "$E2E_DIR/acuse1.eml"
drained() { sub_all_signed && [ "$(sql "SELECT count(*) FROM outbox WHERE status <> 'sent'")" -eq 0 ]; }
e2e_wait_until "$E2E_TIMEOUT" drained || e2e_fail "outbox not drained after the restart"
[ "$(sql "SELECT count(*) FROM outbox WHERE folio = '$folio'")" -eq 1 ] ||
    e2e_fail "$folio: $(sql "SELECT count(*) FROM outbox WHERE folio = '$folio'") outbox rows"
[ "$(sql "SELECT count(*) FROM events WHERE folio = '$folio' AND kind = 'acuse-signed'")" -eq 1 ] ||
    e2e_fail "$folio: not exactly one acuse-signed event"
[ "$(sql "SELECT count(*) FROM acuse_pending")" -eq 0 ] || e2e_fail "a pending row survived the signature"
[ "$(sql "SELECT acuse_status FROM submissions WHERE folio = '$folio'")" = sent ] ||
    e2e_fail "$folio: acuse status $(sql "SELECT acuse_status FROM submissions WHERE folio = '$folio'")"
sub_ctl receipt verify --ca "$SUB_PKI/institution-ca.crt" --schema "$SUB_SCHEMA" \
    "$E2E_DIR/acuse1.eml.raw" >"$E2E_DIR/verify1.out" 2>&1 ||
    e2e_fail "the acuse signed after the restart does not verify: $(cat "$E2E_DIR/verify1.out")"
grep -q "$folio" "$E2E_DIR/acuse1.eml" || e2e_fail "the acuse does not name $folio"
sub_ctl store verify-chain >"$E2E_DIR/chain2.out" 2>&1 ||
    e2e_fail "verify-chain after the signature: $(cat "$E2E_DIR/chain2.out")"
sub_ctl receipt show "$folio" >"$E2E_DIR/show2.out" 2>&1 &&
    grep -q "Estado del acuse: sent" "$E2E_DIR/show2.out" ||
    e2e_fail "receipt show once signed: $(cat "$E2E_DIR/show2.out")"
# Another life of the daemon sends nothing again.
e2e_kill_milter
e2e_start_milter
e2e_wait_until "$E2E_TIMEOUT" drained || e2e_fail "outbox not drained after the second restart"
e2e_wait_until "$E2E_TIMEOUT" sub_sink_complete || e2e_fail "sink files incomplete"
[ "$(acuses_at_sink "$folio")" -eq 1 ] ||
    e2e_fail "$folio: $(acuses_at_sink "$folio") acuses at the sink, expected exactly one"
e2e_log "ok: $folio signed after the restart and sent exactly once; chain intact"

# --- 3. a sealed cadena changed before the signature -----------------------
e2e_stop_milter
e2e_conf TestAcuseSignDelay 3600
e2e_start_milter
tok=$(sub_message "$E2E_DIR/m2.eml" efirma-fisica)
sub_deliver m2 remitente@empresa.test "$E2E_DIR/m2.eml" "$tok@"
folio2=$(sub_folio "$E2E_DIR/m2.got")
[ -n "$folio2" ] && [ "$folio2" != "$folio" ] || e2e_fail "no new folio: '$folio2'"
e2e_kill_milter
sql "UPDATE submissions SET legal_utc = legal_utc - 86400 WHERE folio = '$folio2'"
rc=0
sub_ctl store verify-chain >"$E2E_DIR/chain3.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q "record $folio2 ALTERED: the row no longer gives the cadena original" \
    "$E2E_DIR/chain3.out" || e2e_fail "verify-chain missed the altered sealed cadena: exit $rc, $(cat "$E2E_DIR/chain3.out")"
e2e_conf TestAcuseSignDelay 0
e2e_start_milter
e2e_wait_milter_log "folio $folio2: acuse NOT signed: the record no longer gives the cadena" ||
    e2e_fail "the daemon did not refuse to sign the altered record"
[ "$(sql "SELECT count(*) FROM outbox WHERE folio = '$folio2'")" -eq 0 ] &&
    [ "$(sql "SELECT count(*) FROM submissions WHERE folio = '$folio2' AND acuse IS NULL")" -eq 1 ] ||
    e2e_fail "$folio2: an acuse was signed over an altered record"
[ "$(acuses_at_sink "$folio2")" -eq 0 ] || e2e_fail "$folio2: an acuse of the altered record was sent"
e2e_log "ok: $folio2 altered after its seal: verify-chain names it, the daemon does not sign it"

e2e_finish
