#!/bin/bash
# consulta - CONSULTA <folio> by mail (issue 11), through the real Postfix
# with messages signed by the test PKI's e.firmas
#
# EBU200101AB8 (efirma-moral) enables its mailbox (one confirmed address,
# uno@empresa.test) and files a promocion P; PEGJ800101AB3 (efirma-fisica)
# files Q. Then, each CONSULTA signed by efirma-moral with "Folio:" in the
# signed text:
#   CONSULTA P on the filing day -> 250, its own folio (event "consulta",
#     a "consulta" event in the chain), and the kept acuse of P, the exact
#     stored bytes, re-sent to the certificate's and the confirmed address;
#   CONSULTA P again at once -> 550 BZ-CONSULTA-TOO-SOON (bounded);
#   CONSULTA Q (another RFC's folio) and an unknown folio -> the same 550
#     BZ-CONSULTA-UNKNOWN-FOLIO, with the same text;
#   the folio only in the (unsigned) Subject, or another folio there ->
#     550 BZ-CONSULTA-NO-FOLIO; unsigned and CSD-signed -> refused;
#   reload with TestClock on P's available-until day (2026-09-01) and
#     RepeatResendInterval 0 -> 250, up to 5 a day, the 6th TOO-SOON;
#   reload with TestClock the day after -> 550 BZ-CONSULTA-EXPIRED.
# Nothing refused re-sends anything, nor an Auto-Submitted CONSULTA. Every acuse kind on record (promocion,
# registro, confirmacion, conformidad, consulta) prints with `buzonctl
# receipt pdf` and passes `receipt verify --pdf` with the acuse received;
# the QR code of the acuse de registro (zbarimg on a pdftoppm raster)
# carries its folio, RFC and the SHA-256 of its cadena original.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"
. "$top_srcdir/tests/e2e/registration-lib.sh"

for tool in pdftotext pdftoppm zbarimg sqlite3; do
	command -v "$tool" >/dev/null 2>&1 ||
	    { echo "SKIP: $tool not installed (poppler-utils, zbar-tools, sqlite3)"; exit 77; }
done
e2e_init consulta
sub_pki_conf
reg_conf
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

# resent FOLIO - outbox rows re-sending FOLIO's kept acuse byte for byte
resent() { sql "SELECT count(*) FROM outbox o JOIN submissions s ON s.folio = o.folio WHERE o.kind = 'consulta' AND o.folio = '$1' AND o.message = s.acuse"; }
consultas() { sql "SELECT count(*) FROM outbox WHERE kind = 'consulta'"; }
# reply_text ID - the 550 lines without the queue id
reply_text() { grep -E '^<[-*~]+ +550' "$E2E_DIR/$1.smtp" | sed 's/^<[-*~]* *//'; }

reg_walk efirma-moral uno@empresa.test "+52 55 1111 2222" >/dev/null
e2e_log "ok: EBU200101AB8 enabled (uno@empresa.test confirmed)"

tok=$(reg_message "$E2E_DIR/p.eml" efirma-moral "Promocion de prueba" "Escrito.")
P=$(filed p "$E2E_DIR/p.eml" "$tok")
tok=$(reg_message "$E2E_DIR/q.eml" efirma-fisica "Promocion ajena" "Otro escrito.")
Q=$(filed q "$E2E_DIR/q.eml" "$tok")
[[ $P =~ ^BZ-2026-[0-9]{8}$ && $Q =~ ^BZ-2026-[0-9]{8}$ ]] || e2e_fail "folios: '$P' '$Q'"
sub_acuse "$P" "$E2E_DIR/p-acuse.eml"
sub_acuse "$Q" "$E2E_DIR/q-acuse.eml"
before=$(grep -l -F "Subject: Acuse de recibo $P" "$E2E_DIR"/sink/* | grep -c .)

# --- within three months: the kept acuse again, and the consultation's own
tok=$(reg_message "$E2E_DIR/c1.eml" efirma-moral "CONSULTA $P" "Folio: $P")
C1=$(filed c1 "$E2E_DIR/c1.eml" "$tok")
[[ $C1 =~ ^BZ-2026-[0-9]{8}$ && $C1 != "$P" ]] || e2e_fail "consultation folio: '$C1'"
[ "$(e2e_header_value X-Buzon-Consulted "$E2E_DIR/c1.got")" = "$P" ] ||
    e2e_fail "X-Buzon-Consulted: $(e2e_header_value X-Buzon-Consulted "$E2E_DIR/c1.got")"
[ "$(resent "$P")" = 2 ] ||
    e2e_fail "kept acuse of $P re-sent $(resent "$P") time(s) byte for byte, expected 2: $(sql "SELECT recipient, kind FROM outbox WHERE folio = '$P'")"
sql "SELECT recipient FROM outbox WHERE kind = 'consulta'" | grep -qx uno@empresa.test ||
    e2e_fail "not re-sent to the confirmed address"
more() { [ "$(grep -l -F "Subject: Acuse de recibo $P" "$E2E_DIR"/sink/* | grep -c .)" -ge $((before + 2)) ]; }
e2e_wait_until "$E2E_TIMEOUT" more || e2e_fail "the re-sent acuse of $P never reached the sink"
[ "$(sql "SELECT event FROM submissions WHERE folio = '$C1'")" = consulta ] ||
    e2e_fail "the consultation's acuse event: $(sql "SELECT event FROM submissions WHERE folio = '$C1'")"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'consulta' AND folio = '$P' AND detail = '{\"by\": \"$C1\", \"sent\": 2}'")" = 1 ] ||
    e2e_fail "no consulta event in the chain: $(sql "SELECT kind, folio, detail FROM events WHERE kind = 'consulta'")"
sub_acuse "$C1" "$E2E_DIR/c1-acuse.eml"
e2e_log "ok: CONSULTA $P -> $C1: kept acuse re-sent byte for byte to 2 addresses, own acuse, chain event"

# --- flooding: at once again -> bounded
tok=$(reg_message "$E2E_DIR/c2.eml" efirma-moral "CONSULTA $P" "Folio: $P
otra vez")
refused c2 "$E2E_DIR/c2.eml" BZ-CONSULTA-TOO-SOON

# --- another RFC's folio and an unknown folio: the same reply
reg_message "$E2E_DIR/c-other.eml" efirma-moral "CONSULTA $Q" "Folio: $Q" >/dev/null
refused c-other "$E2E_DIR/c-other.eml" BZ-CONSULTA-UNKNOWN-FOLIO
reg_message "$E2E_DIR/c-unknown.eml" efirma-moral "CONSULTA BZ-2026-99999999" \
    "Folio: BZ-2026-99999999" >/dev/null
refused c-unknown "$E2E_DIR/c-unknown.eml" BZ-CONSULTA-UNKNOWN-FOLIO
[ "$(reply_text c-other)" = "$(reply_text c-unknown)" ] ||
    e2e_fail "another RFC's folio is answered differently: '$(reply_text c-other)' vs '$(reply_text c-unknown)'"
e2e_log "ok: another RFC's folio gets the unknown folio's reply, word for word"

# --- the folio must be signed
reg_message "$E2E_DIR/c-subj.eml" efirma-moral "CONSULTA $P" "Consulta." >/dev/null
refused c-subj "$E2E_DIR/c-subj.eml" BZ-CONSULTA-NO-FOLIO
reg_message "$E2E_DIR/c-mix.eml" efirma-moral "CONSULTA $P" "Folio: $Q" >/dev/null
refused c-mix "$E2E_DIR/c-mix.eml" BZ-CONSULTA-NO-FOLIO
reg_message "$E2E_DIR/c-none.eml" none "CONSULTA $P" "Folio: $P" >/dev/null
e2e_send c-none --to "$E2E_MAILBOX" --data "@$E2E_DIR/c-none.eml"
e2e_reply_has c-none 550 || e2e_fail "unsigned CONSULTA: $(sub_last_reply c-none)"
reg_message "$E2E_DIR/c-csd.eml" csd "CONSULTA $P" "Folio: $P" >/dev/null
refused c-csd "$E2E_DIR/c-csd.eml" BZ-CERT-CSD
[ "$(consultas)" = 2 ] || e2e_fail "a refused CONSULTA re-sent something: $(consultas) rows"

# --- the period: P was filed 2026-06-01; available until 2026-09-01
e2e_conf TestClock 2026-09-01T23:00:00Z
e2e_conf RepeatResendInterval 0
sub_reload 1
tok=$(reg_message "$E2E_DIR/c3.eml" efirma-moral "CONSULTA $P" "Folio: $P
tercera")
C3=$(filed c3 "$E2E_DIR/c3.eml" "$tok")
[ "$(resent "$P")" = 4 ] || e2e_fail "on the last day: $(resent "$P") re-sends"
e2e_log "ok: CONSULTA on the available-until day (2026-09-01 17:00 local) -> $C3"
# loop safety (RFC 3834): a CONSULTA that gets no acuse re-sends nothing
tok=$(reg_message "$E2E_DIR/c-auto.eml" efirma-moral "CONSULTA $P" "Folio: $P
automatica")
sed -i "/^Subject: /a Auto-Submitted: auto-replied$(printf '\r')" "$E2E_DIR/c-auto.eml"
filed c-auto "$E2E_DIR/c-auto.eml" "$tok" >/dev/null
[ "$(resent "$P")" = 4 ] || e2e_fail "an Auto-Submitted CONSULTA re-sent the acuse"
e2e_milter_log_has "nothing re-sent \(loop safety\)" || e2e_fail "loop safety not logged"
e2e_log "ok: an Auto-Submitted CONSULTA is filed and re-sends nothing"
# RepeatResendInterval 0 still leaves 5 re-sends of one folio a day
for n in 3 4 5; do
	tok=$(reg_message "$E2E_DIR/cf$n.eml" efirma-moral "CONSULTA $P" "Folio: $P
vez $n")
	filed cf$n "$E2E_DIR/cf$n.eml" "$tok" >/dev/null
done
reg_message "$E2E_DIR/cf6.eml" efirma-moral "CONSULTA $P" "Folio: $P
vez 6" >/dev/null
refused cf6 "$E2E_DIR/cf6.eml" BZ-CONSULTA-TOO-SOON
[ "$(resent "$P")" = 10 ] || e2e_fail "5 consultations re-sent $(resent "$P") copies, expected 10"
e2e_log "ok: the 6th CONSULTA of one folio within 24 hours refused"
e2e_conf TestClock 2026-09-02T15:00:00Z
sub_reload 2
reg_message "$E2E_DIR/c4.eml" efirma-moral "CONSULTA $P" "Folio: $P
cuarta" >/dev/null
refused c4 "$E2E_DIR/c4.eml" BZ-CONSULTA-EXPIRED
[ "$(resent "$P")" = 10 ] || e2e_fail "re-sent after three months"

# --- a PDF of every acuse kind on record
for ev in registro confirmacion conformidad consulta promocion; do
	if [ $ev = promocion ]; then f=$P
	else f=$(sql "SELECT folio FROM submissions WHERE event = '$ev' ORDER BY folio LIMIT 1")
	fi
	[ -n "$f" ] || e2e_fail "no $ev acuse on record"
	sub_acuse "$f" "$E2E_DIR/$ev-acuse.eml"
	sub_ctl receipt pdf "$f" -o "$E2E_DIR/$ev.pdf" 2>"$E2E_DIR/$ev.err" ||
	    e2e_fail "receipt pdf $ev $f: $(cat "$E2E_DIR/$ev.err")"
	sub_ctl receipt verify --ca "$E2E_DIR/inst/institution-ca.crt" --schema "$SUB_SCHEMA" \
	    --pdf "$E2E_DIR/$ev.pdf" "$E2E_DIR/$ev-acuse.eml" >"$E2E_DIR/$ev.rv" 2>&1 ||
	    e2e_fail "receipt verify --pdf ($ev $f): $(cat "$E2E_DIR/$ev.rv")"
	grep -q '^  pdf  *pass ' "$E2E_DIR/$ev.rv" || e2e_fail "verify --pdf $ev: $(cat "$E2E_DIR/$ev.rv")"
	pdftotext "$E2E_DIR/$ev.pdf" "$E2E_DIR/$ev.txt" || e2e_fail "pdftotext $ev"
	grep -q "Folio: $f" "$E2E_DIR/$ev.txt" || e2e_fail "pdftotext: no folio in the $ev PDF"
	[ $ev = registro ] && R=$f
	e2e_log "ok: acuse $ev $f: receipt pdf, verify --pdf pass, pdftotext finds the folio"
done
sub_ctl receipt show "$R" >"$E2E_DIR/r.show" || e2e_fail "receipt show $R"
cadena=$(sed -n '/^Cadena original:$/{n;p;}' "$E2E_DIR/r.show")
[ -n "$cadena" ] || e2e_fail "no cadena for $R"
# (-raw: the default mode joins a line broken after "2026-06-" dropping
# the hyphen, as it would a hyphenated word)
pdftotext -raw "$E2E_DIR/registro.pdf" - | grep -v "^Acuse $R - página [0-9]*\$" |
    tr -d '\n\f' | grep -qF -- "$cadena" ||
    e2e_fail "pdftotext: the cadena of $R is not in its PDF"
pdftoppm -r 150 -f 1 -l 1 -singlefile -png "$E2E_DIR/registro.pdf" "$E2E_DIR/rpage" ||
    e2e_fail "pdftoppm"
zbarimg -q --nodbus --raw "$E2E_DIR/rpage.png" >"$E2E_DIR/rqr" 2>/dev/null ||
    e2e_fail "zbarimg read no QR code in the acuse de registro"
printf 'BZ-ACUSE 1\nfolio=%s\nrfc=EBU200101AB8\nsha256=%s\nurl=%s\n' "$R" \
    "$(printf '%s' "$cadena" | sha256sum | cut -d' ' -f1)" \
    "https://buzon.imss.test/verifica/$R" >"$E2E_DIR/rqr.want"
cmp -s "$E2E_DIR/rqr" "$E2E_DIR/rqr.want" ||
    e2e_fail "QR of the acuse de registro: $(cat "$E2E_DIR/rqr"), wanted $(cat "$E2E_DIR/rqr.want")"
e2e_log "ok: the acuse de registro's QR code decodes to its folio, RFC, cadena SHA-256"

sub_ctl store verify-chain >"$E2E_DIR/chain.out" 2>&1 ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"
e2e_finish
