#!/bin/bash
# notification - a department's notification (issue 10, part A) through
# the real Postfix, with messages signed by the test PKI's e.firmas
#
# OfficialsFile lists PEGJ800101AB3 (efirma-fisica) for the department
# cobranza@imss.test; NotifierAddress is notificaciones@imss.test.
#   unsigned to the notifier                  -> 550 BZ-NOTIF-UNSIGNED
#   signed by a valid e.firma not listed        -> 550 BZ-NOTIF-NOT-OFFICIAL
#   official, employer without enabled mailbox  -> 550 BZ-NOTIF-NOT-ENABLED
#   official, no Asunto: in the signed text     -> 550 BZ-NOTIF-NO-SUBJECT
#     (an Asunto: only in the unsigned Subject does not count)
# Then EBU200101AB8 enables its mailbox (uno@empresa.test). TestClock
# Monday 2026-06-01 20:00 local: the official's notification (a text part
# and a PDF) -> 250, folio NT-2026-00000001, the acuse de envio (event
# envio-notificacion) to the certificate's address and the department's;
# the aviso is held: nothing at the sink, aviso_released_utc null, the
# days counted from the planned release (Tuesday 09:30): 06-03, 06-04,
# 06-05, deemed 06-08; the same signed message again is a repeat, no
# second notification. Reload with TestClock Tuesday 09:30: the aviso
# (signed, From the notifier, Message-ID naming the folio) reaches the
# confirmed address, the courtesy SMS is sent, `notification show --json`
# has aviso_released_utc 2026-06-02T15:30:00Z and the days; list filters;
# Accepted Tuesday 20:00 and released only Thursday 10:00 (no moment of
# Wednesday's window seen): days 06-05, 06-08, 06-09, deemed 06-10, as
# the aviso says, with a notification-days-recounted event.
# TestClock 06-10 09:30: it is deemed made; its constancia (llegada the
# release, not the planned 06-03) passes buzonctl receipt verify.
# verify-chain passes, and fails once a notification row is edited.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"
. "$top_srcdir/tests/e2e/registration-lib.sh"
. "$top_srcdir/tests/e2e/notification-lib.sh"

command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 not installed"; exit 77; }
e2e_init notification
sub_pki_conf
reg_conf
notif_conf
e2e_start
sub_ready 1

sql() { sub_sql "$@"; }

# refused ID FILE REASON - 550 5.7.x with REASON, not queued
refused()
{
	e2e_send "$1" --from cobranza@imss.test --to "$NOTIFIER" --data "@$2"
	e2e_reply_has "$1" 550 || e2e_fail "$1: expected 550, got: $(sub_last_reply "$1")"
	e2e_transcript_has "$1" "550[- ]5\.7\.[0-9] $3 " ||
	    e2e_fail "$1: $3 not in the reply: $(sub_last_reply "$1")"
	e2e_transcript_has "$1" 'queued as' && e2e_fail "$1: Postfix queued it"
	e2e_log "ok: $1: 550 $3"
}
notifications() { sql "SELECT count(*) FROM notifications"; }
avisos_at_sink() { grep -l -F "Subject: Aviso de notificacion" "$E2E_DIR"/sink/* 2>/dev/null | grep -c .; }
aviso_file() { grep -l -F "Subject: Aviso de notificacion $1" "$E2E_DIR"/sink/* 2>/dev/null | head -n 1 | grep .; }

GOOD="Destinatario: EBU200101AB8
Asunto: Requerimiento de pago 2026/123
Se le requiere el pago."

# --- refusals
notif_message "$E2E_DIR/n-unsigned.eml" none "$GOOD" >/dev/null
refused n-unsigned "$E2E_DIR/n-unsigned.eml" BZ-NOTIF-UNSIGNED
notif_message "$E2E_DIR/n-other.eml" efirma-moral "$GOOD" >/dev/null
refused n-other "$E2E_DIR/n-other.eml" BZ-NOTIF-NOT-OFFICIAL
notif_message "$E2E_DIR/n-noenabled.eml" efirma-fisica "$GOOD" >/dev/null
refused n-noenabled "$E2E_DIR/n-noenabled.eml" BZ-NOTIF-NOT-ENABLED
notif_message "$E2E_DIR/n-nosubj.eml" efirma-fisica "Destinatario: EBU200101AB8
Sin asunto." >/dev/null
refused n-nosubj "$E2E_DIR/n-nosubj.eml" BZ-NOTIF-NO-SUBJECT
[ "$(notifications)" = 0 ] || e2e_fail "a refused notification was recorded"

reg_walk efirma-moral uno@empresa.test "+52 55 1111 2222" >/dev/null
e2e_log "ok: EBU200101AB8 enabled (uno@empresa.test confirmed)"
nsms=$(ls "$E2E_DIR/sms" | grep -c '\.in$')

# --- Monday 20:00 local: accepted, the aviso held overnight
e2e_conf TestClock 2026-06-02T02:00:00Z
sub_reload 1
tok=$(notif_message "$E2E_DIR/n1.eml" efirma-fisica "$GOOD")
e2e_send n1 --from cobranza@imss.test --to "$NOTIFIER" --data "@$E2E_DIR/n1.eml" ||
    e2e_fail "n1 refused: $(sub_last_reply n1)"
e2e_accepted n1 || e2e_fail "n1: not queued"
e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <$tok@" >/dev/null ||
    e2e_fail "n1 never reached the sink"
e2e_received "Message-ID: <$tok@" "$E2E_DIR/n1.got"
NT=$(e2e_header_value X-Buzon-Notification "$E2E_DIR/n1.got")
BZ=$(sub_folio "$E2E_DIR/n1.got")
[ "$NT" = NT-2026-00000001 ] || e2e_fail "notification folio: '$NT'"
[[ $BZ =~ ^BZ-2026-[0-9]{8}$ ]] || e2e_fail "record folio: '$BZ'"
[ "$(sql "SELECT event FROM submissions WHERE folio = '$BZ'")" = envio-notificacion ] ||
    e2e_fail "acuse de envio event: $(sql "SELECT event FROM submissions WHERE folio = '$BZ'")"
[ "$(sql "SELECT count(*) FROM parts WHERE folio = '$BZ' AND content_type LIKE 'application/pdf%'")" = 1 ] ||
    e2e_fail "the document part is not recorded: $(sql "SELECT idx, content_type FROM parts WHERE folio = '$BZ'")"
sub_acuse "$BZ" "$E2E_DIR/n1-acuse.eml"
[ "$(sql "SELECT recipient FROM outbox WHERE folio = '$BZ' AND kind = 'acuse' ORDER BY recipient" | paste -s -d ' ')" = \
    "cobranza@imss.test juan.perez@pruebas.buzon.test" ] ||
    e2e_fail "acuse de envio recipients: $(sql "SELECT recipient FROM outbox WHERE folio = '$BZ'")"
reg_text_of "$E2E_DIR/n1-acuse.eml" | grep -q -F "Folio de notificacion: $NT" ||
    e2e_fail "the acuse de envio does not name $NT"
reg_text_of "$E2E_DIR/n1-acuse.eml" | grep -q -F "la notificación descrita abajo, para notificarla" ||
    e2e_fail "the acuse de envio does not say it received a notification"
reg_text_of "$E2E_DIR/n1-acuse.eml" | grep -q -F "promoción" &&
    e2e_fail "the acuse de envio calls the notification a promocion"
sub_ctl receipt verify --ca "$E2E_DIR/inst/institution-ca.crt" --schema "$SUB_SCHEMA" \
    "$E2E_DIR/n1-acuse.eml" >"$E2E_DIR/n1.rv" 2>&1 ||
    e2e_fail "receipt verify of the acuse de envio: $(cat "$E2E_DIR/n1.rv")"
e2e_log "ok: $NT accepted at 20:00 (record $BZ, acuse de envio to the official and the department, verifies)"

# the same signed message again: a repeat, no second notification
e2e_send n1-again --from cobranza@imss.test --to "$NOTIFIER" --data "@$E2E_DIR/n1.eml" ||
    e2e_fail "n1-again refused: $(sub_last_reply n1-again)"
e2e_accepted n1-again || e2e_fail "n1-again: not queued"
[ "$(notifications)" = 1 ] || e2e_fail "a repeated notification made another row: $(notifications)"
e2e_log "ok: the same signed notification again is a repeat: still one notification"

sub_ctl notification show "$NT" --json >"$E2E_DIR/show1.json" ||
    e2e_fail "notification show: $(cat "$E2E_DIR/show1.json")"
for want in '"folio": "NT-2026-00000001"' '"rfc": "EBU200101AB8"' \
    '"department": "Jefatura de Cobranza"' '"state": "sent"' \
    '"subject": "Requerimiento de pago 2026/123"' \
    '"aviso_planned_utc": "2026-06-02T15:30:00Z"' '"aviso_released_utc": null' \
    '"day1": "2026-06-03"' '"day2": "2026-06-04"' '"day3": "2026-06-05"' \
    '"deemed_date": "2026-06-08"' '"opened_utc": null' '"legal_utc": null' '"rule": null'; do
	grep -q -F -- "$want" "$E2E_DIR/show1.json" ||
	    e2e_fail "show --json (held) lacks $want: $(cat "$E2E_DIR/show1.json")"
done
# the worker passes every second: give it several, the aviso must stay
sleep 4
[ "$(avisos_at_sink)" = 0 ] || e2e_fail "an aviso left at 20:00"
[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'aviso-notificacion'")" = 0 ] ||
    e2e_fail "an aviso was queued at 20:00"
e2e_log "ok: the aviso is held overnight (nothing at the sink, nothing queued)"

# --- Tuesday 09:30 local: released
e2e_conf TestClock 2026-06-02T15:30:00Z
sub_reload 2
e2e_wait_until "$E2E_TIMEOUT" aviso_file "$NT" >/dev/null ||
    e2e_fail "the aviso never reached the sink: $(sql "SELECT recipient, status, last_error FROM outbox WHERE kind = 'aviso-notificacion'")"
f=$(aviso_file "$NT")
e2e_sink_message "$f" >"$E2E_DIR/aviso.eml"
grep -q -F "From: <$NOTIFIER>" "$E2E_DIR/aviso.eml" || e2e_fail "aviso From"
grep -q -F "To: <uno@empresa.test>" "$E2E_DIR/aviso.eml" || e2e_fail "aviso To"
grep -q -F "Message-ID: <aviso.$NT@imss.test>" "$E2E_DIR/aviso.eml" || e2e_fail "aviso Message-ID"
grep -q -F 'multipart/signed' "$E2E_DIR/aviso.eml" || e2e_fail "the aviso is not signed"
reg_text_of "$E2E_DIR/aviso.eml" >"$E2E_DIR/aviso.txt"
for want in "Folio: $NT" "Dependencia: Jefatura de Cobranza" \
    "Asunto: Requerimiento de pago 2026/123" "2026-06-03, 2026-06-04 y 2026-06-05" \
    "se tendra por notificada el 2026-06-08 a las 09:30" "APERTURA $NT"; do
	grep -q -F -- "$want" "$E2E_DIR/aviso.txt" || e2e_fail "aviso text lacks '$want': $(cat "$E2E_DIR/aviso.txt")"
done
grep -q -F "Se le requiere el pago" "$E2E_DIR/aviso.txt" &&
    e2e_fail "the department's own text is in the Institute's aviso"
released() { sub_ctl notification show "$NT" --json | grep -q -F '"aviso_released_utc": "2026-06-02T15:30:00Z"'; }
e2e_wait_until "$E2E_TIMEOUT" released ||
    e2e_fail "aviso_released_utc not recorded: $(sub_ctl notification show "$NT" --json)"
sub_ctl notification show "$NT" --json >"$E2E_DIR/show2.json"
for want in '"day1": "2026-06-03"' '"day3": "2026-06-05"' '"deemed_date": "2026-06-08"' \
    '"aviso_queued_utc": "2026-06-02T15:30:00Z"'; do
	grep -q -F -- "$want" "$E2E_DIR/show2.json" ||
	    e2e_fail "show --json (released) lacks $want: $(cat "$E2E_DIR/show2.json")"
done
e2e_log "ok: the aviso left at 09:30 next working day, signed, to the confirmed address; release and days recorded"
n=$((nsms + 1))
e2e_wait_until "$E2E_TIMEOUT" test -e "$E2E_DIR/sms/sms.$n.in" || e2e_fail "no courtesy SMS"
grep -q -F "$NT" "$E2E_DIR/sms/sms.$n.in" || e2e_fail "courtesy SMS: $(cat "$E2E_DIR/sms/sms.$n.in")"
grep -q -F "+525511112222" "$E2E_DIR/sms/sms.$n.args" || e2e_fail "courtesy SMS number: $(cat "$E2E_DIR/sms/sms.$n.args")"
e2e_log "ok: courtesy SMS through SmsCommand"

# --- released late: accepted Tuesday 20:00, planned Wednesday 09:30, but
# the daemon sees no moment of Wednesday's window (the clock jumps to
# Thursday 10:00, as after a day down): the days count from Thursday
e2e_conf TestClock 2026-06-03T02:00:00Z
sub_reload 3
tok=$(notif_message "$E2E_DIR/n2.eml" efirma-fisica "Destinatario: EBU200101AB8
Asunto: Requerimiento tardio
Se le requiere el pago.")
e2e_send n2 --from cobranza@imss.test --to "$NOTIFIER" --data "@$E2E_DIR/n2.eml" ||
    e2e_fail "n2 refused: $(sub_last_reply n2)"
e2e_accepted n2 || e2e_fail "n2: not queued"
N2=NT-2026-00000002
sub_ctl notification show "$N2" --json | grep -q -F '"day1": "2026-06-04"' ||
    e2e_fail "n2 at intake: $(sub_ctl notification show "$N2" --json)"
e2e_conf TestClock 2026-06-04T16:00:00Z
sub_reload 4
e2e_wait_until "$E2E_TIMEOUT" aviso_file "$N2" >/dev/null ||
    e2e_fail "the late aviso never reached the sink"
e2e_sink_message "$(aviso_file "$N2")" >"$E2E_DIR/aviso2.eml"
reg_text_of "$E2E_DIR/aviso2.eml" >"$E2E_DIR/aviso2.txt"
for want in "2026-06-05, 2026-06-08 y 2026-06-09" \
    "se tendra por notificada el 2026-06-10 a las 09:30" "a partir de 2026-06-04 10:00"; do
	grep -q -F -- "$want" "$E2E_DIR/aviso2.txt" ||
	    e2e_fail "late aviso text lacks '$want': $(cat "$E2E_DIR/aviso2.txt")"
done
sub_ctl notification show "$N2" --json >"$E2E_DIR/show3.json"
for want in '"aviso_planned_utc": "2026-06-03T15:30:00Z"' \
    '"aviso_queued_utc": "2026-06-04T16:00:00Z"' '"day1": "2026-06-05"' \
    '"day2": "2026-06-08"' '"day3": "2026-06-09"' '"deemed_date": "2026-06-10"'; do
	grep -q -F -- "$want" "$E2E_DIR/show3.json" ||
	    e2e_fail "show --json (late) lacks $want: $(cat "$E2E_DIR/show3.json")"
done
[ "$(sql "SELECT count(*) FROM events WHERE folio = '$N2' AND kind = 'notification-days-recounted'")" = 1 ] ||
    e2e_fail "no notification-days-recounted event for $N2"
e2e_log "ok: an aviso released a day late counts its days from the release (06-05..06-09, deemed 06-10)"

# --- list, and the chain
[ "$(sub_ctl notification list --rfc EBU200101AB8 --state sent --json | grep -c -F '"folio": "NT-2026-00000001"')" = 1 ] ||
    e2e_fail "list --rfc --state sent: $(sub_ctl notification list --rfc EBU200101AB8 --json)"
[ "$(sub_ctl notification list --state opened --json | grep -c -F '"folio"')" = 0 ] ||
    e2e_fail "list --state opened: $(sub_ctl notification list --state opened --json)"
sub_ctl notification list | grep -q "^$NT " || e2e_fail "notification list (text)"
sub_ctl notification show NT-2026-99999999 >/dev/null 2>&1
[ $? = 1 ] || e2e_fail "show of an unknown folio does not exit 1"
# --- Wednesday 06-10 09:30: the late one is deemed made; its constancia's
# llegada is the release the days counted from, so it verifies
e2e_conf TestClock 2026-06-10T15:30:00Z
sub_reload 5
e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Subject: Constancia de notificacion $N2" >/dev/null ||
    e2e_fail "no constancia of $N2: $(sub_ctl notification show "$N2" --json)"
e2e_sink_message "$(e2e_sink_find "Subject: Constancia de notificacion $N2")" >"$E2E_DIR/c2.eml"
sub_ctl receipt verify --ca "$E2E_DIR/inst/institution-ca.crt" --schema "$SUB_SCHEMA" \
    "$E2E_DIR/c2.eml" >"$E2E_DIR/c2.rv" 2>&1 ||
    e2e_fail "receipt verify of the late constancia: $(cat "$E2E_DIR/c2.rv")"
sub_xml_of "$E2E_DIR/c2.eml" | grep -q -F "2026-06-04T16:00:00Z" ||
    e2e_fail "constancia llegada is not the release: $(sub_xml_of "$E2E_DIR/c2.eml")"
sub_ctl notification show "$N2" --json | grep -q -F '"legal_utc": "2026-06-10T15:30:00Z"' ||
    e2e_fail "late deemed instant: $(sub_ctl notification show "$N2" --json)"
e2e_log "ok: the late notification deemed 06-10 09:30; its constancia (llegada the release) verifies"
sub_ctl store verify-chain >"$E2E_DIR/chain.out" 2>&1 ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"
e2e_stop_milter
sql "UPDATE notifications SET day3 = '2026-06-09' WHERE folio = '$NT'"
sub_ctl store verify-chain >"$E2E_DIR/chain2.out" 2>&1 &&
    e2e_fail "verify-chain passes with an edited notification row"
grep -q "notification $NT" "$E2E_DIR/chain2.out" ||
    e2e_fail "verify-chain does not name the row: $(cat "$E2E_DIR/chain2.out")"
e2e_log "ok: verify-chain names a notification row edited behind the log"
e2e_finish
