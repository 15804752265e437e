#!/bin/bash
# consulta-notification - CONSULTA NT-YYYY-NNNNNNNN (issue 11 on a notified
# document, issue 10) through the real Postfix, TestClock stepping through
# the days (America/Mexico_City = UTC-6)
#
# EBU200101AB8 (efirma-moral, representative PEGJ800101AB3) enables its
# mailbox with uno@empresa.test; the official PEGJ800101AB3 of
# cobranza@imss.test notifies it N1 and N2 on Tuesday 2026-06-02 10:00.
#   Wed 06-03 11:00  CONSULTA N1 (not opened yet): 550 BZ-CONSULTA-NOT-NOTIFIED,
#                    N1 still "sent" (a CONSULTA does not open it);
#                    APERTURA N1 with the notified message kept from the
#                    worker: CONSULTA N1 -> 451 (acuse still due), then the
#                    tick issues it once
#                    CONSULTA N1 -> 250, its own folio and acuse
#                    (event consulta), the kept acuse de notificacion (the
#                    exact bytes first queued, the notified message in it)
#                    re-sent to the certificate's and the confirmed address,
#                    a "consulta" event under N1;
#                    CONSULTA N1 by the representative (efirma-fisica) -> 250;
#                    CONSULTA N2 by another RFC (efirma-sincorreo) and of an
#                    unknown NT folio: the same 550 BZ-CONSULTA-UNKNOWN-FOLIO
#   Mon 06-08 09:30  N2 deemed made (notification tick); CONSULTA N2 -> its
#                    constancia re-sent
#   N1's available-until day 17:00 local -> 250; the day after -> 550
#   BZ-CONSULTA-EXPIRED. Nothing refused re-sends anything; verify-chain.
# The printable acuse of the new kinds: `buzonctl receipt pdf` of the acuse
# de envio (the department's BZ- filing), of N1 (acuse de notificacion) and
# N2 (constancia) passes `receipt verify --pdf` with the acuse mail
# received (the QR code, read by zbarimg from a pdftoppm raster, gives the
# XML's folio, RFC and cadena SHA-256), and pdftotext finds the folio.
# Every acuse mail carries its PDF (AcusePdf yes by default, VerifyURL set):
# the part acuse-<folio>.pdf of each acuse received is byte for byte what
# `receipt pdf` prints (the same record, deterministic drawing), and
# `receipt verify` without --pdf checks that PDF's QR code. After a reload
# with AcusePdf no, a promocion's acuse carries no PDF part.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"
. "$top_srcdir/tests/e2e/registration-lib.sh"
. "$top_srcdir/tests/e2e/notification-lib.sh"

for tool in pdftotext pdftoppm zbarimg sqlite3; do
	command -v "$tool" >/dev/null 2>&1 ||
	    { echo "SKIP: $tool not installed (poppler-utils, zbar-tools, sqlite3)"; exit 77; }
done
e2e_init consulta-notification
sub_pki_conf
reg_conf
notif_conf
e2e_conf RepeatResendInterval 0
e2e_conf VerifyURL 'https://buzon.imss.test/verifica/{folio}'
e2e_start
sub_ready 1

sql() { sub_sql "$@"; }
# refused ID FILE REASON - 550 5.7.x with REASON, not queued
refused()
{
	e2e_send "$1" --to "$E2E_MAILBOX" --data "@$2"
	e2e_reply_has "$1" 550 || e2e_fail "$1: expected 550, got: $(sub_last_reply "$1")"
	e2e_transcript_has "$1" "550[- ]5\.7\.[0-9] $3 " ||
	    e2e_fail "$1: $3 not in the reply: $(sub_last_reply "$1")"
	e2e_transcript_has "$1" 'queued as' && e2e_fail "$1: Postfix queued it"
	e2e_log "ok: $1: 550 $3"
}
# filed ID FILE TOKEN - send, expect 250, print the X-Buzon-Folio as delivered
filed()
{
	reg_send "$1" "$2" >&2
	e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <$3@" >/dev/null ||
	    e2e_fail "$1 never reached the sink"
	e2e_received "Message-ID: <$3@" "$E2E_DIR/$1.got" >&2
	sub_folio "$E2E_DIR/$1.got"
}
# consulta FILE LEAF NT [LINE] - a signed CONSULTA of NT; prints a token
consulta() { reg_message "$1" "$2" "CONSULTA $3" "Folio: $3
${4:-consulta}"; }
# kept KIND NT - the first outbox row of KIND of NT's department filing
kept() { sql "SELECT o.id FROM outbox o JOIN notifications n ON o.folio = n.submission_folio WHERE n.folio = '$2' AND o.kind = '$1' ORDER BY o.id LIMIT 1"; }
# resent KIND NT - consulta rows that are the kept KIND of NT byte for byte
resent()
{
	sql "SELECT count(*) FROM outbox o JOIN notifications n ON o.folio = n.submission_folio
	    WHERE n.folio = '$2' AND o.kind = 'consulta' AND
	    o.message = (SELECT message FROM outbox WHERE id = $(kept "$1" "$2"))"
}
# pdf_part FILE FOLIO - the decoded acuse-FOLIO.pdf part of an acuse mail
pdf_part()
{
	tr -d '\r' <"$1" | awk -v name="filename=\"acuse-$2.pdf\"" '
	    in_body && /^--/ { exit }
	    in_body { print }
	    in_head && /^$/ { in_body = 1 }
	    index($0, name) { in_head = 1 }' | base64 -d
}
consultas() { sql "SELECT count(*) FROM outbox WHERE kind = 'consulta'"; }
show_has() { sub_ctl notification show "$1" --json | grep -q -F -- "\"$2\": $3"; }

reg_walk efirma-moral uno@empresa.test "+52 55 1111 2222" >/dev/null
e2e_log "ok: EBU200101AB8 enabled (uno@empresa.test confirmed)"

TEXT="Destinatario: EBU200101AB8
Asunto: Requerimiento de pago 2026/123
Se le requiere el pago."
notif_clock 2026-06-02T16:00:00Z
for i in 1 2; do
	tok=$(notif_message "$E2E_DIR/n$i.eml" efirma-fisica "$TEXT")
	notif_send "n$i" "$E2E_DIR/n$i.eml" "$tok"
	notif_wait_queued "$NOTIF_FOLIO"
done
N1=NT-2026-00000001 N2=NT-2026-00000002

# --- not opened yet: refused, and the CONSULTA does not open it
notif_clock 2026-06-03T17:00:00Z
consulta "$E2E_DIR/c0.eml" efirma-moral "$N1" >/dev/null
refused c0 "$E2E_DIR/c0.eml" BZ-CONSULTA-NOT-NOTIFIED
show_has "$N1" state '"sent"' || e2e_fail "a CONSULTA changed $N1: $(sub_ctl notification show "$N1" --json)"

# --- opened: the kept acuse de notificacion again
# The opening only marks its acuse de notificacion due; the notification
# worker signs and queues it. Kept from it (the department's message moved
# away from the spool: the worker cannot render it), a CONSULTA gets 451.
spool=$(sql "SELECT s.spool_path FROM submissions s JOIN notifications n ON
    s.folio = n.submission_folio WHERE n.folio = '$N1'")
[ -f "$spool" ] || e2e_fail "spool copy of $N1's message: '$spool'"
mv "$spool" "$spool.away"
reg_message "$E2E_DIR/a1.eml" efirma-moral "APERTURA $N1" "Abro la notificacion $N1." >/dev/null
reg_send a1 "$E2E_DIR/a1.eml"
opened() { show_has "$N1" state '"opened"'; }
e2e_wait_until "$E2E_TIMEOUT" opened || e2e_fail "N1 not opened: $(sub_ctl notification show "$N1" --json)"
[ "$(sql "SELECT acuse_due FROM notifications WHERE folio = '$N1'")" = 1 ] ||
    e2e_fail "the opening did not mark the acuse due"
[ -z "$(kept acuse-notificacion "$N1")" ] || e2e_fail "acuse queued while its message is away"
consulta "$E2E_DIR/c1due.eml" efirma-moral "$N1" >/dev/null
e2e_send c1due --to "$E2E_MAILBOX" --data "@$E2E_DIR/c1due.eml"
e2e_reply_has c1due 451 || e2e_fail "c1due: expected 451, got: $(sub_last_reply c1due)"
e2e_transcript_has c1due "451[- ]4\.3\.0 BZ-CONSULTA-PENDING " ||
    e2e_fail "c1due: BZ-CONSULTA-PENDING not in the reply: $(sub_last_reply c1due)"
mv "$spool.away" "$spool"
sub_ctl notification tick >"$E2E_DIR/tick0.out" 2>&1 || e2e_fail "tick: $(cat "$E2E_DIR/tick0.out")"
opened() { [ -n "$(kept acuse-notificacion "$N1")" ]; }
e2e_wait_until "$E2E_TIMEOUT" opened || e2e_fail "N1's acuse never issued: $(cat "$E2E_DIR/tick0.out")"
[ "$(sql "SELECT acuse_due FROM notifications WHERE folio = '$N1'")" = 0 ] ||
    e2e_fail "the acuse's mark not cleared"
[ "$(sql "SELECT count(*) FROM outbox o JOIN notifications n ON o.folio = n.submission_folio
    WHERE n.folio = '$N1' AND o.kind = 'acuse-notificacion'")" = 2 ] ||
    e2e_fail "acuse de notificacion rows of $N1 (expected the employer's and the department's)"
e2e_log "ok: opened, its acuse de notificacion not issued yet: CONSULTA 451; issued once by the tick"
sinks() { grep -l -F "Subject: Acuse de notificacion $N1" "$E2E_DIR"/sink/* 2>/dev/null | grep -c .; }
e2e_wait_until "$E2E_TIMEOUT" test "$(sinks)" -ge 2 || true
before=$(sinks)
tok=$(consulta "$E2E_DIR/c1.eml" efirma-moral "$N1")
C1=$(filed c1 "$E2E_DIR/c1.eml" "$tok")
[[ $C1 =~ ^BZ-2026-[0-9]{8}$ ]] || e2e_fail "consultation folio: '$C1'"
[ "$(e2e_header_value X-Buzon-Consulted "$E2E_DIR/c1.got")" = "$N1" ] ||
    e2e_fail "X-Buzon-Consulted: $(e2e_header_value X-Buzon-Consulted "$E2E_DIR/c1.got")"
[ "$(resent acuse-notificacion "$N1")" = 2 ] ||
    e2e_fail "kept acuse de notificacion of $N1 re-sent $(resent acuse-notificacion "$N1") time(s) byte for byte, expected 2: $(sql "SELECT recipient, kind, folio FROM outbox WHERE kind = 'consulta'")"
sql "SELECT recipient FROM outbox WHERE kind = 'consulta'" | grep -qx uno@empresa.test ||
    e2e_fail "not re-sent to the confirmed address"
[ "$(sql "SELECT event FROM submissions WHERE folio = '$C1'")" = consulta ] ||
    e2e_fail "the consultation's acuse event: $(sql "SELECT event FROM submissions WHERE folio = '$C1'")"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'consulta' AND folio = '$N1' AND detail = '{\"by\": \"$C1\", \"sent\": 2}'")" = 1 ] ||
    e2e_fail "no consulta event under $N1: $(sql "SELECT kind, folio, detail FROM events WHERE kind = 'consulta'")"
more() { [ "$(sinks)" -ge $((before + 2)) ]; }
e2e_wait_until "$E2E_TIMEOUT" more || e2e_fail "the re-sent acuse de notificacion never reached the sink"
f=$(grep -l -F "Subject: Acuse de notificacion $N1" "$E2E_DIR"/sink/* | tail -n 1)
grep -q -F "notificacion-$N1.eml" "$f" || e2e_fail "the re-sent acuse lacks the notified message"
e2e_sink_message "$f" >"$E2E_DIR/an1.eml"
sub_ctl receipt verify --ca "$E2E_DIR/inst/institution-ca.crt" --schema "$SUB_SCHEMA" \
    "$E2E_DIR/an1.eml" >"$E2E_DIR/an1.rv" 2>&1 || e2e_fail "receipt verify: $(cat "$E2E_DIR/an1.rv")"
e2e_log "ok: CONSULTA $N1 -> $C1: the kept acuse de notificacion re-sent byte for byte to 2 addresses, own acuse, chain event"

# --- the representative recorded at registration may consult too
tok=$(consulta "$E2E_DIR/c1r.eml" efirma-fisica "$N1" representante)
filed c1r "$E2E_DIR/c1r.eml" "$tok" >/dev/null
[ "$(resent acuse-notificacion "$N1")" -ge 3 ] || e2e_fail "the representative's CONSULTA re-sent nothing"
e2e_log "ok: the representative's CONSULTA $N1 re-sends it"

# --- another RFC's notification and an unknown one: the same reply
consulta "$E2E_DIR/cx.eml" efirma-sincorreo "$N1" >/dev/null
refused cx "$E2E_DIR/cx.eml" BZ-CONSULTA-UNKNOWN-FOLIO
consulta "$E2E_DIR/c9.eml" efirma-sincorreo NT-2026-99999999 >/dev/null
refused c9 "$E2E_DIR/c9.eml" BZ-CONSULTA-UNKNOWN-FOLIO
[ "$(sub_last_reply cx | sed 's/^<[-*~]* *//')" = "$(sub_last_reply c9 | sed 's/^<[-*~]* *//')" ] ||
    e2e_fail "another RFC's notification is told apart: '$(sub_last_reply cx)' vs '$(sub_last_reply c9)'"
n=$(consultas)

# --- deemed made: the constancia, issued by `buzonctl notification tick`
# (cron's way) while the daemon is stopped; the daemon then sends it, and
# the checks below find its PDF like the daemon-made acuses'
e2e_stop_milter
e2e_conf TestClock 2026-06-08T15:30:00Z
sub_ctl notification tick --at 2026-06-08T15:30:00Z >"$E2E_DIR/tick.out" 2>&1 ||
    e2e_fail "notification tick: $(cat "$E2E_DIR/tick.out")"
grep -q '^1 notification(s) deemed made' "$E2E_DIR/tick.out" ||
    e2e_fail "notification tick deemed: $(cat "$E2E_DIR/tick.out")"
e2e_start_milter
deemed() { show_has "$N2" state '"deemed"' && [ -n "$(kept constancia-notificacion "$N2")" ]; }
e2e_wait_until "$E2E_TIMEOUT" deemed || e2e_fail "N2 not deemed: $(sub_ctl notification show "$N2" --json)"
tok=$(consulta "$E2E_DIR/c2.eml" efirma-moral "$N2")
filed c2 "$E2E_DIR/c2.eml" "$tok" >/dev/null
[ "$(resent constancia-notificacion "$N2")" = 2 ] ||
    e2e_fail "kept constancia of $N2 re-sent $(resent constancia-notificacion "$N2") time(s)"
e2e_log "ok: CONSULTA $N2 (deemed) re-sends its constancia byte for byte"

# --- the printable acuse de envio, de notificacion and constancia
SF=$(sql "SELECT submission_folio FROM notifications WHERE folio = '$N1'")
[ "$(sql "SELECT event FROM submissions WHERE folio = '$SF'")" = envio-notificacion ] ||
    e2e_fail "$SF is not an acuse de envio"
sub_acuse "$SF" "$E2E_DIR/envio-acuse.eml"
cp "$E2E_DIR/an1.eml" "$E2E_DIR/notificacion-acuse.eml"
e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Subject: Constancia de notificacion $N2" >/dev/null ||
    e2e_fail "no constancia of $N2 at the sink"
e2e_sink_message "$(e2e_sink_find "Subject: Constancia de notificacion $N2")" \
    >"$E2E_DIR/constancia-acuse.eml"
for kind in envio:$SF notificacion:$N1 constancia:$N2; do
	k=${kind%%:*} f=${kind#*:}
	sub_ctl receipt pdf "$f" -o "$E2E_DIR/$k.pdf" 2>"$E2E_DIR/$k.err" ||
	    e2e_fail "receipt pdf $k $f: $(cat "$E2E_DIR/$k.err")"
	sub_ctl receipt verify --ca "$E2E_DIR/inst/institution-ca.crt" --schema "$SUB_SCHEMA" \
	    --pdf "$E2E_DIR/$k.pdf" "$E2E_DIR/$k-acuse.eml" >"$E2E_DIR/$k.rv" 2>&1 ||
	    e2e_fail "receipt verify --pdf ($k $f): $(cat "$E2E_DIR/$k.rv")"
	grep -q '^  pdf  *pass ' "$E2E_DIR/$k.rv" || e2e_fail "verify --pdf $k: $(cat "$E2E_DIR/$k.rv")"
	pdftotext "$E2E_DIR/$k.pdf" "$E2E_DIR/$k.txt" || e2e_fail "pdftotext $k"
	grep -q "Folio: $f" "$E2E_DIR/$k.txt" || e2e_fail "pdftotext: no folio in the $k PDF"
	pdftoppm -r 150 -f 1 -l 1 -singlefile -png "$E2E_DIR/$k.pdf" "$E2E_DIR/$k-page" ||
	    e2e_fail "pdftoppm $k"
	zbarimg -q --nodbus --raw "$E2E_DIR/$k-page.png" 2>/dev/null | grep -qx "folio=$f" ||
	    e2e_fail "the QR code of the $k PDF does not carry folio=$f"
	pdf_part "$E2E_DIR/$k-acuse.eml" "$f" >"$E2E_DIR/$k-part.pdf" ||
	    e2e_fail "the $k acuse mail has no readable acuse-$f.pdf part"
	cmp -s "$E2E_DIR/$k-part.pdf" "$E2E_DIR/$k.pdf" ||
	    e2e_fail "the PDF inside the $k acuse mail is not receipt pdf's ($(wc -c <"$E2E_DIR/$k-part.pdf") vs $(wc -c <"$E2E_DIR/$k.pdf") bytes)"
	grep -q -F 'Content-Type: application/pdf; name="acuse-'"$f"'.pdf"' "$E2E_DIR/$k-acuse.eml" ||
	    e2e_fail "the $k acuse's PDF part is not application/pdf"
	# without --pdf, receipt verify reads the QR code of the PDF inside
	sub_ctl receipt verify --ca "$E2E_DIR/inst/institution-ca.crt" --schema "$SUB_SCHEMA" \
	    "$E2E_DIR/$k-acuse.eml" >"$E2E_DIR/$k.rv2" 2>&1 ||
	    e2e_fail "receipt verify ($k $f): $(cat "$E2E_DIR/$k.rv2")"
	grep -q '^  pdf  *pass  *the PDF inside the mail: ' "$E2E_DIR/$k.rv2" ||
	    e2e_fail "receipt verify did not check the PDF inside the $k mail: $(cat "$E2E_DIR/$k.rv2")"
	e2e_log "ok: acuse $k $f: receipt pdf, verify --pdf pass, pdftotext and zbarimg find the folio"
done
grep -q "CONSTANCIA DE NOTIFICACI" "$E2E_DIR/constancia.txt" ||
    e2e_fail "the constancia PDF does not say what it is: $(head -n 5 "$E2E_DIR/constancia.txt")"
sub_acuse "$C1" "$E2E_DIR/c1-acuse.eml"
sub_ctl receipt pdf "$C1" -o "$E2E_DIR/c1.pdf" || e2e_fail "receipt pdf $C1"
pdf_part "$E2E_DIR/c1-acuse.eml" "$C1" | cmp -s - "$E2E_DIR/c1.pdf" ||
    e2e_fail "the consultation's acuse mail does not carry its PDF"
e2e_log "ok: every acuse mail (envio, notificacion, constancia, consulta) carries its PDF, byte for byte receipt pdf's"
sub_ctl receipt pdf NT-2026-99999999 -o "$E2E_DIR/none.pdf" 2>/dev/null
[ $? = 1 ] || e2e_fail "receipt pdf of an unknown NT folio: not exit 1"

# --- three calendar months from the legal instant (N1: 2026-06-03)
until=$(sub_ctl calendar available-until 2026-06-03 | grep -o '20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]' | tail -n 1)
[[ $until =~ ^2026-09-0[0-9]$ ]] || e2e_fail "available-until of 2026-06-03: '$until'"
notif_clock "${until}T23:00:00Z"
tok=$(consulta "$E2E_DIR/c3.eml" efirma-moral "$N1" ultima)
filed c3 "$E2E_DIR/c3.eml" "$tok" >/dev/null
e2e_log "ok: CONSULTA $N1 on its available-until day ($until)"
n=$(consultas)
notif_clock "$(date -u -d "$until + 1 day" +%Y-%m-%d)T15:00:00Z"
consulta "$E2E_DIR/c4.eml" efirma-moral "$N1" tarde >/dev/null
refused c4 "$E2E_DIR/c4.eml" BZ-CONSULTA-EXPIRED
[ "$(consultas)" = "$n" ] || e2e_fail "re-sent after three months"

# --- AcusePdf no: the acuse mail carries no PDF part
e2e_conf AcusePdf no
notif_clock 2026-09-04T16:00:00Z
tok=$(reg_message "$E2E_DIR/p.eml" efirma-moral "Promocion sin PDF" "Escrito.")
P=$(filed p "$E2E_DIR/p.eml" "$tok")
sub_acuse "$P" "$E2E_DIR/p-acuse.eml"
grep -q -F "acuse-$P.xml" "$E2E_DIR/p-acuse.eml" || e2e_fail "the acuse of $P has no XML"
grep -q -F "acuse-$P.pdf" "$E2E_DIR/p-acuse.eml" && e2e_fail "AcusePdf no: the acuse of $P carries a PDF"
sub_ctl receipt verify --ca "$E2E_DIR/inst/institution-ca.crt" --schema "$SUB_SCHEMA" \
    "$E2E_DIR/p-acuse.eml" >"$E2E_DIR/p.rv" 2>&1 || e2e_fail "receipt verify $P: $(cat "$E2E_DIR/p.rv")"
grep -q '^  pdf ' "$E2E_DIR/p.rv" && e2e_fail "a pdf check without a PDF: $(cat "$E2E_DIR/p.rv")"
e2e_log "ok: AcusePdf no: the acuse of $P carries no PDF, verifies"

sub_ctl store verify-chain >"$E2E_DIR/chain.out" 2>&1 ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"
e2e_finish
