#!/bin/bash
# notification-open - opening, deemed notification and replies routed to
# the department (issue 10, part B) through the real Postfix, TestClock
# stepping through the days (America/Mexico_City = UTC-6)
#
# CalendarFile declares Tuesday 2026-06-09 inhabil. EBU200101AB8
# (efirma-moral, representative PEGJ800101AB3) enables its mailbox with
# uno@empresa.test; the official PEGJ800101AB3 of cobranza@imss.test
# notifies it.
#   Tue 06-02 10:00  N1, N2, N3 accepted, avisos released at once: days
#                    06-03..06-05, deemed Monday 06-08 (over the weekend)
#   Wed 06-03 11:00  APERTURA N1 (efirma-moral): opened, legal instant =
#                    the opening (notification.in-window); acuse de
#                    notificacion (event notificacion, rfcNotificado, the
#                    notified message attached) to uno@ and cobranza@,
#                    verifies with buzonctl receipt verify
#                    APERTURA N2 by SICO800101AB1 and APERTURA of an unknown
#                    folio: 550 BZ-APERTURA-UNKNOWN-FOLIO, the same text
#                    a signed text naming N1 under Subject APERTURA N2:
#                    550 BZ-APERTURA-NO-FOLIO
#                    the same APERTURA N1 again: 550 BZ-APERTURA-REPEAT, the
#                    acuse re-sent, the instant unchanged
#                    and a third time (within RepeatResendInterval): 550
#                    BZ-APERTURA-NOT-RESENT, nothing queued
#                    a promocion In-Reply-To the aviso of N1: filed naming
#                    N1 (record and acuse), delivered also to cobranza@;
#                    the same reference by SICO800101AB1: a plain promocion
#   Wed 06-03 20:00  APERTURA N3 by PEGJ800101AB3 (the representative
#                    recorded at registration, own e.firma): legal 09:30
#                    Thursday (after-window);
#                    N4 accepted, its aviso held
#   Thu 06-04 10:00  N4's aviso released: days 06-05, 06-08, 06-10 (06-09
#                    inhabil), deemed Thursday 06-11
#   Mon 06-08 09:29  N2 still sent; 09:30: the daemon deems it made, one
#                    constancia (rule window.fourth-working-day) to uno@ and
#                    cobranza@; notification tick finds nothing more
#   tick --at Wed 06-10 09:30: N4 not deemed (the holiday moved it)
#   Thu 06-04 20:00  N5 accepted, released Friday: deemed Friday 06-12
#   Thu 06-11 09:30  the daemon SIGKILLed right after the reload, started
#                    again: N4 deemed, exactly one constancia per address
#   Fri 06-12 09:30  the daemon SIGKILLed as soon as N5 is deemed, started
#                    again: one constancia (one event, one outbox row per
#                    address, one Message-ID) reaches each address (a copy
#                    handed to the MTA but not yet marked sent when killed
#                    goes again: the outbox delivers at least once)
# verify-chain passes; it names an opening instant edited behind the log
# and a reply whose notification folio was removed from its record.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"
. "$top_srcdir/tests/e2e/registration-lib.sh"
. "$top_srcdir/tests/e2e/notification-lib.sh"

command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 not installed"; exit 77; }
e2e_init notification-open
sub_pki_conf
reg_conf
notif_conf
printf 'format 1\n2026-06-09  inhabil  "Dia inhabil de prueba"  source="DOF 2026-01-20"\n' \
    >"$E2E_DIR/cal.conf"
e2e_conf CalendarFile "$(e2e_install_file "$E2E_DIR/cal.conf")"
e2e_start
sub_ready 1
CA=$E2E_DIR/inst/institution-ca.crt

# rcpts_of_msg TEXT - the envelope recipients of every sink file with TEXT
rcpts_of_msg()
{
	grep -l -F -- "$1" "$E2E_DIR"/sink/* 2>/dev/null | while read -r f; do
		tr -d '\r' <"$f" | sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p'
	done | tr 'A-Z' 'a-z' | sort
}
# count_files TEXT - sink files with TEXT
count_files() { grep -l -F -- "$1" "$E2E_DIR"/sink/* 2>/dev/null | grep -c .; }
# has_rcpts TEXT WANT - the recipients of TEXT are exactly WANT (sorted, spaces)
has_rcpts() { [ "$(rcpts_of_msg "$1" | tr '\n' ' ')" = "$2 " ]; }
# reached TEXT WANT - the distinct recipients of TEXT are WANT: a copy
# handed to the MTA just before a SIGKILL, not yet marked sent, goes out
# again after the restart (the outbox delivers at least once), the same
# message with the same Message-ID
reached() { [ "$(rcpts_of_msg "$1" | uniq | tr '\n' ' ')" = "$2 " ]; }
# msgids TEXT - how many distinct Message-IDs the sink copies of TEXT have
msgids()
{
	grep -l -F -- "$1" "$E2E_DIR"/sink/* 2>/dev/null | xargs -r grep -h '^Message-ID:' |
	    tr -d '\r' | sort -u | grep -c .
}
# show NT KEY VALUE - notification show --json has "KEY": VALUE
show_has()
{
	sub_ctl notification show "$1" --json | grep -q -F -- "\"$2\": $3"
}
# apertura FILE LEAF FOLIO - a signed APERTURA of FOLIO
apertura() { reg_message "$1" "$2" "APERTURA $3" "Abro la notificacion $3." >/dev/null; }
# refused ID FILE CODE - to the mailbox: 550 5.7.x CODE, not queued
refused()
{
	e2e_send "$1" --to "$E2E_MAILBOX" --data "@$2"
	e2e_reply_has "$1" 550 || e2e_fail "$1: expected 550, got: $(sub_last_reply "$1")"
	e2e_transcript_has "$1" "550[- ]5\.7\.[0-9] $3 " ||
	    e2e_fail "$1: $3 not in the reply: $(sub_last_reply "$1")"
	e2e_transcript_has "$1" 'queued as' && e2e_fail "$1: Postfix queued it"
}
# verify_acuse FILE - buzonctl receipt verify passes (every check)
verify_acuse()
{
	sub_ctl receipt verify --ca "$CA" --schema "$SUB_SCHEMA" "$1" >"$1.rv" 2>&1 ||
	    e2e_fail "receipt verify $1: $(cat "$1.rv")"
}
# acuse_of SUBJECT FILE - wait for a sink message with SUBJECT, keep it
acuse_of()
{
	e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Subject: $1" >/dev/null ||
	    e2e_fail "no '$1' reached the sink"
	e2e_sink_message "$(e2e_sink_find "Subject: $1")" >"$2"
}
# outbox_rows KIND FOLIO - outbox rows of KIND for a notification
outbox_rows()
{
	sub_sql "SELECT count(*) FROM outbox o JOIN notifications n ON
	    o.folio = n.submission_folio WHERE n.folio = '$2' AND o.kind = '$1'"
}

reg_walk efirma-moral uno@empresa.test "+52 55 1111 2222" >/dev/null
e2e_log "ok: EBU200101AB8 enabled (uno@empresa.test confirmed)"

TEXT="Destinatario: EBU200101AB8
Asunto: Requerimiento de pago 2026/123
Se le requiere el pago."

# --- Tuesday 10:00: three notifications, avisos released at once
notif_clock 2026-06-02T16:00:00Z
for i in 1 2 3; do
	tok=$(notif_message "$E2E_DIR/n$i.eml" efirma-fisica "$TEXT")
	notif_send "n$i" "$E2E_DIR/n$i.eml" "$tok"
	[ "$NOTIF_FOLIO" = "NT-2026-0000000$i" ] || e2e_fail "n$i: folio '$NOTIF_FOLIO'"
	notif_wait_queued "$NOTIF_FOLIO"
done
N1=NT-2026-00000001 N2=NT-2026-00000002 N3=NT-2026-00000003
show_has "$N2" day3 '"2026-06-05"' && show_has "$N2" deemed_date '"2026-06-08"' ||
    e2e_fail "N2's window: $(sub_ctl notification show "$N2" --json)"
e2e_log "ok: $N1 $N2 $N3 notified Tuesday, deemed date Monday 06-08"

# --- Wednesday 11:00: opening inside the window
notif_clock 2026-06-03T17:00:00Z
apertura "$E2E_DIR/a1.eml" efirma-moral "$N1"
reg_send a1 "$E2E_DIR/a1.eml"
opened() { show_has "$N1" state '"opened"'; }
e2e_wait_until "$E2E_TIMEOUT" opened || e2e_fail "N1 not opened: $(sub_ctl notification show "$N1" --json)"
show_has "$N1" opened_utc '"2026-06-03T17:00:00Z"' &&
    show_has "$N1" legal_utc '"2026-06-03T17:00:00Z"' &&
    show_has "$N1" rule '"notification.in-window"' ||
    e2e_fail "N1's opening: $(sub_ctl notification show "$N1" --json)"
acuse_of "Acuse de notificacion $N1" "$E2E_DIR/an1.eml"
e2e_wait_until "$E2E_TIMEOUT" has_rcpts "Subject: Acuse de notificacion $N1" "$NOTIF_DEPT uno@empresa.test" ||
    e2e_fail "acuse de notificacion recipients: $(rcpts_of_msg "Subject: Acuse de notificacion $N1")"
verify_acuse "$E2E_DIR/an1.eml"
sub_xml_of "$E2E_DIR/an1.eml" >"$E2E_DIR/an1.xml"
for want in "<folio>$N1</folio>" '<evento>notificacion</evento>' \
    '<rfcNotificado>EBU200101AB8</rfcNotificado>' '<regla>notification.in-window</regla>' \
    '<utc>2026-06-03T17:00:00Z</utc>'; do
	grep -q -F -- "$want" "$E2E_DIR/an1.xml" || e2e_fail "acuse XML lacks $want: $(cat "$E2E_DIR/an1.xml")"
done
grep -q -F "notificacion-$N1.eml" "$E2E_DIR/an1.eml" || e2e_fail "the notified message is not attached"
reg_text_of "$E2E_DIR/an1.eml" >"$E2E_DIR/an1.txt"
for want in "ACUSE DE NOTIFICACIÓN" "Folio: $N1" "RFC del patrón notificado: EBU200101AB8"; do
	grep -q -F -- "$want" "$E2E_DIR/an1.txt" || e2e_fail "acuse text lacks '$want': $(cat "$E2E_DIR/an1.txt")"
done
e2e_log "ok: APERTURA $N1 at 11:00: legal instant the opening, acuse de notificacion to the employer and the department, verifies"

# --- wrong RFC, unknown folio: the same answer
apertura "$E2E_DIR/a2x.eml" efirma-sincorreo "$N2"
refused a2x "$E2E_DIR/a2x.eml" BZ-APERTURA-UNKNOWN-FOLIO
apertura "$E2E_DIR/a9.eml" efirma-moral NT-2026-99999999
refused a9 "$E2E_DIR/a9.eml" BZ-APERTURA-UNKNOWN-FOLIO
[ "$(sub_last_reply a2x)" = "$(sub_last_reply a9)" ] ||
    e2e_fail "another RFC's notification is told apart: '$(sub_last_reply a2x)' vs '$(sub_last_reply a9)'"
show_has "$N2" state '"sent"' || e2e_fail "N2 changed by another RFC's APERTURA"
e2e_log "ok: APERTURA by another RFC and of an unknown folio: 550 BZ-APERTURA-UNKNOWN-FOLIO, same reply"

# --- an opening of N1 re-sent under N2's Subject: the signed text decides
reg_message "$E2E_DIR/a2s.eml" efirma-moral "APERTURA $N2" "Abro la notificacion $N1." >/dev/null
refused a2s "$E2E_DIR/a2s.eml" BZ-APERTURA-NO-FOLIO
show_has "$N2" state '"sent"' || e2e_fail "N2 opened by a signed text naming $N1"
e2e_log "ok: a signed text naming $N1 under Subject APERTURA $N2: 550 BZ-APERTURA-NO-FOLIO"

# --- the same opening again: re-sent, instant unchanged
[ "$(outbox_rows acuse-notificacion "$N1")" = 2 ] || e2e_fail "acuse rows: $(outbox_rows acuse-notificacion "$N1")"
refused a1again "$E2E_DIR/a1.eml" BZ-APERTURA-REPEAT
[ "$(outbox_rows acuse-notificacion "$N1")" = 4 ] ||
    e2e_fail "the acuse was not re-sent: $(outbox_rows acuse-notificacion "$N1") rows"
show_has "$N1" legal_utc '"2026-06-03T17:00:00Z"' && show_has "$N1" opened_utc '"2026-06-03T17:00:00Z"' ||
    e2e_fail "a replayed opening moved the instant: $(sub_ctl notification show "$N1" --json)"
resent() { [ "$(count_files "Subject: Acuse de notificacion $N1")" -ge 2 ]; }
e2e_wait_until "$E2E_TIMEOUT" resent || e2e_fail "the re-sent acuse never reached the sink"
e2e_log "ok: replayed APERTURA: 550 BZ-APERTURA-REPEAT, acuse re-sent, instant unchanged"
# ... and once more within RepeatResendInterval (3600 s): nothing re-sent,
# and the reply does not claim it was
refused a1third "$E2E_DIR/a1.eml" BZ-APERTURA-NOT-RESENT
sub_last_reply a1third | grep -q "no se reenvia otra vez" ||
    e2e_fail "a1third: $(sub_last_reply a1third)"
[ "$(outbox_rows acuse-notificacion "$N1")" = 4 ] ||
    e2e_fail "re-sent within RepeatResendInterval: $(outbox_rows acuse-notificacion "$N1") rows"
e2e_log "ok: APERTURA again within RepeatResendInterval: 550 BZ-APERTURA-NOT-RESENT, nothing queued"

# --- a reply routed to the department, and one that is not
tok=$(sub_message "$E2E_DIR/r1.eml" efirma-moral "In-Reply-To: <aviso.$N1@imss.test>")
sub_deliver r1 patron@empresa.test "$E2E_DIR/r1.eml" "$tok"
[ "$(e2e_header_value X-Buzon-Notification "$E2E_DIR/r1.got")" = "$N1" ] ||
    e2e_fail "r1: X-Buzon-Notification: $(e2e_header_value X-Buzon-Notification "$E2E_DIR/r1.got")"
R1=$(sub_folio "$E2E_DIR/r1.got")
routed() { has_rcpts "Message-ID: <$tok@" "$E2E_MAILBOX $NOTIF_DEPT"; }
e2e_wait_until "$E2E_TIMEOUT" routed ||
    e2e_fail "r1 recipients: $(rcpts_of_msg "Message-ID: <$tok@")"
[ "$(sub_sql "SELECT notification_folio FROM submissions WHERE folio = '$R1'")" = "$N1" ] ||
    e2e_fail "r1's record does not name $N1"
sub_acuse "$R1" "$E2E_DIR/r1-acuse.eml"
sub_xml_of "$E2E_DIR/r1-acuse.eml" | grep -q -F "<folioNotificacion>$N1</folioNotificacion>" ||
    e2e_fail "r1's acuse does not name $N1"
verify_acuse "$E2E_DIR/r1-acuse.eml"
tok=$(sub_message "$E2E_DIR/r2.eml" efirma-sincorreo "References: <x@y> <aviso.$N1@imss.test>")
sed -i "s|^Subject: .*|Subject: Re: $N1\r|" "$E2E_DIR/r2.eml"
sub_deliver r2 patron@empresa.test "$E2E_DIR/r2.eml" "$tok"
R2=$(sub_folio "$E2E_DIR/r2.got")
[ -z "$(e2e_header_value X-Buzon-Notification "$E2E_DIR/r2.got")" ] || e2e_fail "r2 names a notification"
sleep 2
has_rcpts "Message-ID: <$tok@" "$E2E_MAILBOX" || e2e_fail "r2 routed: $(rcpts_of_msg "Message-ID: <$tok@")"
[ -z "$(sub_sql "SELECT notification_folio FROM submissions WHERE folio = '$R2'")" ] ||
    e2e_fail "r2's record names a notification"
e2e_log "ok: a reply to the aviso is filed naming $N1 and reaches $NOTIF_DEPT; another RFC's reference routes nothing"

# --- Wednesday 20:00: opening outside the window; N4 held
notif_clock 2026-06-04T02:00:00Z
apertura "$E2E_DIR/a3.eml" efirma-fisica "$N3"
reg_send a3 "$E2E_DIR/a3.eml"
opened3() { show_has "$N3" state '"opened"'; }
e2e_wait_until "$E2E_TIMEOUT" opened3 || e2e_fail "N3 not opened"
show_has "$N3" opened_utc '"2026-06-04T02:00:00Z"' &&
    show_has "$N3" legal_utc '"2026-06-04T15:30:00Z"' &&
    show_has "$N3" rule '"notification.after-window"' ||
    e2e_fail "N3's opening: $(sub_ctl notification show "$N3" --json)"
acuse_of "Acuse de notificacion $N3" "$E2E_DIR/an3.eml"
verify_acuse "$E2E_DIR/an3.eml"
e2e_log "ok: APERTURA $N3 at 20:00 by the recorded representative: legal instant 09:30 next working day (after-window), verifies"
tok=$(notif_message "$E2E_DIR/n4.eml" efirma-fisica "$TEXT")
notif_send n4 "$E2E_DIR/n4.eml" "$tok"
N4=$NOTIF_FOLIO
[ "$N4" = NT-2026-00000004 ] || e2e_fail "n4: folio '$N4'"

# --- Thursday 10:00: N4 released; the holiday moves its days
notif_clock 2026-06-04T16:00:00Z
notif_wait_queued "$N4"
show_has "$N4" day3 '"2026-06-10"' && show_has "$N4" deemed_date '"2026-06-11"' ||
    e2e_fail "N4's window over the holiday: $(sub_ctl notification show "$N4" --json)"

# --- Thursday 20:00: N5 accepted, released Friday 10:00: deemed Friday 06-12
notif_clock 2026-06-05T02:00:00Z
tok=$(notif_message "$E2E_DIR/n5.eml" efirma-fisica "$TEXT")
notif_send n5 "$E2E_DIR/n5.eml" "$tok"
N5=$NOTIF_FOLIO
notif_clock 2026-06-05T16:00:00Z
notif_wait_queued "$N5"
show_has "$N5" deemed_date '"2026-06-12"' || e2e_fail "N5's window: $(sub_ctl notification show "$N5" --json)"

# --- Monday 09:29 / 09:30: N2 deemed made by the daemon, once
notif_clock 2026-06-08T15:29:00Z
sleep 3
show_has "$N2" state '"sent"' || e2e_fail "N2 deemed before 09:30"
notif_clock 2026-06-08T15:30:00Z
deemed2() { show_has "$N2" state '"deemed"'; }
e2e_wait_until "$E2E_TIMEOUT" deemed2 || e2e_fail "N2 not deemed at 09:30 of day 4"
show_has "$N2" legal_utc '"2026-06-08T15:30:00Z"' && show_has "$N2" rule '"window.fourth-working-day"' ||
    e2e_fail "N2 deemed: $(sub_ctl notification show "$N2" --json)"
sub_ctl notification tick >"$E2E_DIR/tick1.out" 2>&1 || e2e_fail "tick: $(cat "$E2E_DIR/tick1.out")"
grep -q '^0 notification(s) deemed made' "$E2E_DIR/tick1.out" || e2e_fail "tick: $(cat "$E2E_DIR/tick1.out")"
acuse_of "Constancia de notificacion $N2" "$E2E_DIR/c2.eml"
verify_acuse "$E2E_DIR/c2.eml"
sub_xml_of "$E2E_DIR/c2.eml" | grep -q -F '<evento>constancia</evento>' || e2e_fail "constancia event"
reg_text_of "$E2E_DIR/c2.eml" | grep -q -F "CONSTANCIA DE NOTIFICACIÓN" || e2e_fail "constancia text"
e2e_wait_until "$E2E_TIMEOUT" has_rcpts "Subject: Constancia de notificacion $N2" "$NOTIF_DEPT uno@empresa.test" ||
    e2e_fail "constancia recipients: $(rcpts_of_msg "Subject: Constancia de notificacion $N2")"
[ "$(outbox_rows constancia-notificacion "$N2")" = 2 ] || e2e_fail "constancia rows: $(outbox_rows constancia-notificacion "$N2")"
show_has "$N1" state '"opened"' && show_has "$N3" state '"opened"' || e2e_fail "an opened notification was deemed"
e2e_log "ok: $N2 deemed made Monday 09:30 (over the weekend), one constancia to the employer and the department, verifies"

# --- the holiday: not due on Wednesday
sub_ctl notification tick --at 2026-06-10T15:30:00Z >"$E2E_DIR/tick2.out" 2>&1 &&
    grep -q '^0 notification' "$E2E_DIR/tick2.out" || e2e_fail "tick --at 06-10: $(cat "$E2E_DIR/tick2.out")"
show_has "$N4" state '"sent"' || e2e_fail "N4 deemed on Wednesday despite the holiday"

# --- Thursday 09:30: the daemon killed around the deemed step
notif_clock 2026-06-11T15:30:00Z
e2e_kill_milter
e2e_log "daemon SIGKILLed after the reload to Thursday 09:30 ($(show_has "$N4" state '"deemed"' && echo after || echo before) the step)"
e2e_start_milter
deemed4() { show_has "$N4" state '"deemed"'; }
e2e_wait_until "$E2E_TIMEOUT" deemed4 || e2e_fail "N4 not deemed after the restart"
sub_ctl notification tick >/dev/null 2>&1 || e2e_fail "tick after the restart"
constancias4() { [ "$(count_files "Subject: Constancia de notificacion $N4")" -ge 1 ]; }
e2e_wait_until "$E2E_TIMEOUT" constancias4 || e2e_fail "N4's constancia never reached the sink"
sleep 3
[ "$(outbox_rows constancia-notificacion "$N4")" = 2 ] || e2e_fail "N4 constancia rows: $(outbox_rows constancia-notificacion "$N4")"
[ "$(sub_sql "SELECT count(*) FROM events WHERE folio = '$N4' AND kind = 'notification-deemed'")" = 1 ] ||
    e2e_fail "N4 deemed events: $(sub_sql "SELECT count(*) FROM events WHERE folio = '$N4' AND kind = 'notification-deemed'")"
reached "Subject: Constancia de notificacion $N4" "$NOTIF_DEPT uno@empresa.test" ||
    e2e_fail "N4 constancia delivered: $(rcpts_of_msg "Subject: Constancia de notificacion $N4")"
[ "$(msgids "Subject: Constancia de notificacion $N4")" = 1 ] ||
    e2e_fail "N4: more than one constancia issued"

show_has "$N4" legal_utc '"2026-06-11T15:30:00Z"' || e2e_fail "N4 legal instant"
e2e_log "ok: $N4 deemed Thursday 06-11 (06-09 inhabil); killed daemon: exactly one constancia per address"

# --- Friday 09:30: the daemon killed as soon as N5 is deemed (constancia
# committed, perhaps not yet sent), started again
show_has "$N5" state '"sent"' || e2e_fail "N5 deemed before Friday"
notif_clock 2026-06-12T15:30:00Z
deemed5() { show_has "$N5" state '"deemed"'; }
e2e_wait_until "$E2E_TIMEOUT" deemed5 || e2e_fail "N5 not deemed Friday 09:30"
e2e_kill_milter
e2e_log "daemon SIGKILLed right after the deemed step; constancias already at the sink: $(count_files "Subject: Constancia de notificacion $N5")"
e2e_start_milter
constancias5() { reached "Subject: Constancia de notificacion $N5" "$NOTIF_DEPT uno@empresa.test"; }
e2e_wait_until "$E2E_TIMEOUT" constancias5 ||
    e2e_fail "N5 constancia delivered: $(rcpts_of_msg "Subject: Constancia de notificacion $N5")"
sub_ctl notification tick >/dev/null 2>&1 || e2e_fail "tick after the second restart"
sleep 3
[ "$(msgids "Subject: Constancia de notificacion $N5")" = 1 ] ||
    e2e_fail "N5: more than one constancia issued"
[ "$(sub_sql "SELECT count(*) FROM events WHERE folio = '$N5' AND kind = 'notification-deemed'")" = 1 ] ||
    e2e_fail "N5 deemed events"

[ "$(outbox_rows constancia-notificacion "$N5")" = 2 ] || e2e_fail "N5 constancia rows: $(outbox_rows constancia-notificacion "$N5")"
e2e_log "ok: killed right after the deemed step: one constancia, reaching each address"

# --- the chain
sub_ctl store verify-chain >"$E2E_DIR/chain.out" 2>&1 || e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"
[ "$(sub_sql "SELECT count(*) FROM events WHERE folio = '$N1' AND kind = 'notification-opened'")" = 1 ] &&
    [ "$(sub_sql "SELECT count(*) FROM events WHERE folio = '$N1' AND kind = 'notification-acuse-resent'")" = 1 ] ||
    e2e_fail "N1's events: $(sub_sql "SELECT kind FROM events WHERE folio = '$N1'")"
e2e_stop_milter
sub_sql "UPDATE notifications SET legal_utc = legal_utc + 60 WHERE folio = '$N1'"
sub_ctl store verify-chain >"$E2E_DIR/chain2.out" 2>&1 && e2e_fail "verify-chain passes with an edited opening"
grep -q "notification $N1" "$E2E_DIR/chain2.out" || e2e_fail "verify-chain does not name $N1: $(cat "$E2E_DIR/chain2.out")"
sub_sql "UPDATE notifications SET legal_utc = legal_utc - 60 WHERE folio = '$N1'"
sub_sql "UPDATE submissions SET notification_folio = NULL WHERE folio = '$R1'"
sub_ctl store verify-chain >"$E2E_DIR/chain3.out" 2>&1 && e2e_fail "verify-chain passes with a reply's notification removed"
grep -q "$R1" "$E2E_DIR/chain3.out" || e2e_fail "verify-chain does not name $R1: $(cat "$E2E_DIR/chain3.out")"
e2e_log "ok: verify-chain names an edited opening instant and a reply's removed notification folio"
e2e_finish
