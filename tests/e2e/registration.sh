#!/bin/bash
# registration - enabling an employer's mailbox by mail (issue 9), through
# the real Postfix with messages signed by the test PKI's e.firmas
#
# Happy path (persona moral EBU200101AB8): a promocion before the mailbox
# is enabled is refused (RequireEnabledMailbox yes, BZ-REG-MAILBOX-NOT-
# ENABLED); REGISTRO with two addresses and a mobile -> 250, acuse de
# registro to the certificate's address and both listed addresses, one
# signed validation notice with a token to each address, one SMS through
# SmsCommand (number last argument, "Codigo: NNNNNN" on stdin, never in
# argv); CONFIRMACION <token> unsigned from a stranger confirms the
# address; signed CONFIRMACION with the code confirms the mobile;
# CONFORMIDAD with the published hash enables the mailbox (acuse to the
# confirmed address and the certificate's, never to the unconfirmed one);
# then a promocion is filed and its acuse goes to the confirmed address too.
# ACTUALIZACION with new contact means: the acuse also to the address in
# force, which keeps getting the acuses until the new means are confirmed;
# then the update is enabled in its place (refused for an RFC without an
# enabled mailbox).
#
# Attacks, each a 550 with its own code and nothing recorded: unsigned and
# CSD-signed REGISTRO, 0 and 6 addresses, a duplicate, a malformed one, a
# CR inside an address (header injection), data lines outside the signed
# content (in the header and the multipart/signed preamble: ignored, no
# mail to that address), a bad mobile; wrong and replayed tokens; a wrong
# code, the code from another RFC, an unsigned code; consent before
# confirmation, with another hash, unsigned, from another RFC; a second
# REGISTRO while pending (replaces: the old token is refused), its SMS
# gateway down at first (logged, retried, then sent); a token
# after 72 hours (reload with TestClock + 73 h; the worker expires the
# registration). Bounds: a third REGISTRO of one RFC in 24 hours
# (RegistrationMaxPerDay 2) and a third notice to one address
# (RegistrationMaxNoticesPerAddress 2, from another RFC) refused, nothing
# sent. No token or code appears in the daemon's log or in
# Postfix's; the event chain and every record stay intact.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/submission-lib.sh"
. "$top_srcdir/tests/e2e/registration-lib.sh"

e2e_init registration
sub_pki_conf
command -v sqlite3 >/dev/null 2>&1 || e2e_skip "sqlite3 shell not installed"
reg_conf
HASH=$REG_HASH
# the default (yes): lib.sh sets no for the other tests
e2e_conf RequireEnabledMailbox
e2e_conf RepeatResendInterval 0
e2e_conf RegistrationMaxPerDay 2
e2e_conf RegistrationMaxNoticesPerAddress 2
e2e_start
sub_ready 1

sub_ctl config --defaults | grep -q '^RequireEnabledMailbox yes$' ||
    e2e_fail "RequireEnabledMailbox does not default to yes"
MORAL=EBU200101AB8
DB=$E2E_DIR/spool/buzon.db
sql() { e2e_sql "$@"; }

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

# accepted ID FILE - 250, queued
accepted()
{
	e2e_send "$1" --to "$E2E_MAILBOX" --data "@$2" ||
	    e2e_fail "$1: refused: $(sub_last_reply "$1")"
	e2e_accepted "$1" || e2e_fail "$1: not queued: $(sub_last_reply "$1")"
}

# delivered TOKEN FILE - the accepted message as it reached the sink
delivered()
{
	e2e_wait_until "$E2E_TIMEOUT" e2e_sink_find "Message-ID: <$1@" >/dev/null ||
	    e2e_fail "message $1 never reached the sink"
	e2e_received "$1" "$2"
}

# registrations - rows in the registrations table
registrations() { sql "SELECT count(*) FROM registrations"; }

# acuse_files FOLIO - the sink files holding an acuse of FOLIO (one per
# recipient: the outbox hands each recipient its own copy)
acuse_files() { grep -l -F "Subject: Acuse de recibo $1" "$E2E_DIR"/sink/* 2>/dev/null; }
acuse_count() { [ "$(acuse_files "$1" | grep -c .)" -ge "$2" ]; }
# acuse_rcpts FOLIO N - wait for N copies; their envelope recipients, sorted
acuse_rcpts()
{
	e2e_wait_until "$E2E_TIMEOUT" acuse_count "$1" "$2" ||
	    e2e_fail "only $(acuse_files "$1" | grep -c .) acuse(s) of $1 arrived, expected $2"
	e2e_wait_until "$E2E_TIMEOUT" sub_sink_complete || e2e_fail "sink files incomplete"
	for f in $(acuse_files "$1"); do
		tr -d '\r' <"$f" | sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p'
	done | sort | tr '\n' ' '
}

REG_BODY='Registro del buzon IMSS.
Correo: uno@empresa.test
Correo: DOS@empresa.test
Celular: +52 55-1234-5678'

# --- before anything: a promocion is refused --------------------------------
reg_message "$E2E_DIR/early.eml" efirma-moral "promocion antes del registro" \
    "Promocion de prueba." >/dev/null
refused early "$E2E_DIR/early.eml" BZ-REG-MAILBOX-NOT-ENABLED
e2e_transcript_has early "REGISTRO" || e2e_fail "the refusal does not say how to register"

# --- bad registrations: each refused, nothing recorded ----------------------
reg_message "$E2E_DIR/r-unsigned.eml" none REGISTRO "$REG_BODY" >/dev/null
refused r-unsigned "$E2E_DIR/r-unsigned.eml" BZ-MSG-UNSIGNED
reg_message "$E2E_DIR/r-csd.eml" csd REGISTRO "$REG_BODY" >/dev/null
refused r-csd "$E2E_DIR/r-csd.eml" BZ-CERT-CSD
reg_message "$E2E_DIR/r-none.eml" efirma-moral REGISTRO \
    'Celular: +525512345678' >/dev/null
refused r-none "$E2E_DIR/r-none.eml" BZ-REG-ADDRESS-COUNT
reg_message "$E2E_DIR/r-six.eml" efirma-moral REGISTRO "$(printf 'Correo: c%d@empresa.test\n' 1 2 3 4 5 6)
Celular: +525512345678" >/dev/null
refused r-six "$E2E_DIR/r-six.eml" BZ-REG-ADDRESS-COUNT
reg_message "$E2E_DIR/r-dup.eml" efirma-moral REGISTRO 'Correo: uno@empresa.test
Correo: UNO@Empresa.Test
Celular: +525512345678' >/dev/null
refused r-dup "$E2E_DIR/r-dup.eml" BZ-REG-ADDRESS-DUPLICATE
reg_message "$E2E_DIR/r-bad.eml" efirma-moral REGISTRO 'Correo: uno@empresa.test, victima@otro.test
Celular: +525512345678' >/dev/null
refused r-bad "$E2E_DIR/r-bad.eml" BZ-REG-ADDRESS-INVALID
reg_message "$E2E_DIR/r-mobile.eml" efirma-moral REGISTRO 'Correo: uno@empresa.test
Celular: 55 1234 5678' >/dev/null
refused r-mobile "$E2E_DIR/r-mobile.eml" BZ-REG-MOBILE-INVALID
# a CR inside the address: base64 text, so the CR survives transport
{
	printf 'Content-Type: text/plain; charset=utf-8\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	printf 'Correo: uno@empresa.test\rBcc: victima@otro.test\nCelular: +525512345678\n' |
	    base64
} >"$E2E_DIR/inject.entity"
{
	printf 'From: <patron@empresa.test>\nTo: <%s>\nSubject: REGISTRO\n' "$E2E_MAILBOX"
	printf 'Message-ID: <inject@empresa.test>\n'
	openssl cms -sign -in "$E2E_DIR/inject.entity" -md sha256 \
	    -signer "$SUB_PKI/efirma-moral.crt" -inkey "$SUB_PKI/efirma-moral.key"
} | sed -e 's/$/\r/' >"$E2E_DIR/r-inject.eml"
refused r-inject "$E2E_DIR/r-inject.eml" BZ-REG-ADDRESS-INVALID
[ "$(registrations)" = 0 ] || e2e_fail "a refused REGISTRO left a registration"

# --- the registration ----------------------------------------------------------
tok=$(reg_message "$E2E_DIR/reg.eml" efirma-moral "Registro de medios" "$REG_BODY")
# data lines outside the signed content are never read: in the header and
# in the multipart/signed preamble
sed -i -e "s|^Subject: \\(.*\\)|Subject: \\1\\nCorreo: victima@otro.test\r|" \
    -e "s|^This is an S/MIME signed message|Correo: victima@otro.test\r\\nCelular: +525500000000\r\\n&|" \
    "$E2E_DIR/reg.eml"
grep -q '^Correo: victima' "$E2E_DIR/reg.eml" || e2e_fail "could not add the unsigned lines"
accepted reg "$E2E_DIR/reg.eml"
delivered "$tok" "$E2E_DIR/reg.got"
[ "$(e2e_header_value X-Buzon-Registration "$E2E_DIR/reg.got")" = pending ] ||
    e2e_fail "REGISTRO: X-Buzon-Registration is not pending"
folio=$(sub_folio "$E2E_DIR/reg.got")
[ -n "$folio" ] || e2e_fail "REGISTRO: no folio"
sub_acuse "$folio" "$E2E_DIR/acuse-reg.eml"
r=$(acuse_rcpts "$folio" 3)
[ "$r" = "contacto@empresa.buzon.test dos@empresa.test uno@empresa.test " ] ||
    e2e_fail "acuse de registro recipients: $r"
e2e_log "ok: REGISTRO: folio $folio, acuse to the certificate's and both listed addresses"
sub_ctl receipt verify --ca "$E2E_DIR/inst/institution-ca.crt" --schema "$SUB_SCHEMA" \
    "$E2E_DIR/acuse-reg.eml" >"$E2E_DIR/rv.out" 2>&1 ||
    e2e_fail "acuse de registro does not verify: $(cat "$E2E_DIR/rv.out")"
# the acuse de registro quotes the consent text whole with its hash (in its
# signed text part; the sealed XML is the same kind as every acuse)
reg_text_of "$E2E_DIR/acuse-reg.eml" >"$E2E_DIR/acuse-reg.txt"
grep -q -F "Acepto: $HASH" "$E2E_DIR/acuse-reg.txt" &&
    grep -q -F "SHA-256: $HASH" "$E2E_DIR/acuse-reg.txt" &&
    tr -d '\r' <"$REG_CONSENT" | grep -v '^$' | while IFS= read -r line; do
	grep -q -F -- "$line" "$E2E_DIR/acuse-reg.txt" || exit 1
    done || e2e_fail "the acuse de registro does not quote the consent text with its hash: $(cat "$E2E_DIR/acuse-reg.txt")"
if command -v xmllint >/dev/null 2>&1; then
	sub_xml_of "$E2E_DIR/acuse-reg.eml" >"$E2E_DIR/acuse-reg.xml"
	xmllint --noout --schema "$SUB_SCHEMA" "$E2E_DIR/acuse-reg.xml" 2>"$E2E_DIR/xml.err" ||
	    e2e_fail "acuse de registro: xmllint --schema: $(cat "$E2E_DIR/xml.err")"
fi
e2e_log "ok: the acuse de registro quotes the consent text and its hash; its XML is valid"
T1=$(reg_token_for uno@empresa.test)
T2=$(reg_token_for dos@empresa.test)
[ ${#T1} -eq 32 ] && [ ${#T2} -eq 32 ] && [ "$T1" != "$T2" ] ||
    e2e_fail "tokens: '$T1' '$T2'"
f=$(reg_notice_file uno@empresa.test)
e2e_sink_message "$f" >"$E2E_DIR/notice1.eml"
openssl smime -verify -in "$E2E_DIR/notice1.eml" -CAfile "$E2E_DIR/inst/institution-ca.crt" \
    -purpose any >/dev/null 2>"$E2E_DIR/notice-verify.err" ||
    e2e_fail "the validation notice is not signed by the Institute: $(cat "$E2E_DIR/notice-verify.err")"
reg_text_of "$f" | grep -q "Acepto: $HASH" || e2e_fail "the notice does not quote the consent hash"
if grep -l -i 'victima@otro.test' "$E2E_DIR"/sink/* | xargs -r grep -l 'X-Rcpt-Args' |
    xargs -r grep -q -i 'X-Rcpt-Args: <victima@otro.test>'; then
	e2e_fail "the Institute wrote to an address outside the signed content"
fi
[ "$(sql "SELECT mobile FROM registrations")" = "+525512345678" ] ||
    e2e_fail "the mobile outside the signed content was taken"
e2e_log "ok: signed notices with 160-bit tokens; unsigned data lines ignored"

e2e_wait_until "$E2E_TIMEOUT" test -e "$E2E_DIR/sms/sms.1.in" || e2e_fail "no SMS was sent"
[ "$(tail -n 1 "$E2E_DIR/sms/sms.1.args")" = "+525512345678" ] ||
    e2e_fail "SMS: number not the last argument: $(cat "$E2E_DIR/sms/sms.1.args")"
CODE=$(sed -n 's/^Codigo: \([0-9]\{6\}\)$/\1/p' "$E2E_DIR/sms/sms.1.in")
[ ${#CODE} -eq 6 ] || e2e_fail "SMS text without Codigo: $(cat "$E2E_DIR/sms/sms.1.in")"
grep -q "$CODE" "$E2E_DIR/sms/sms.1.args" && e2e_fail "the code is in argv"
e2e_log "ok: SMS through SmsCommand, code on stdin only"

# --- consent before confirmation; confirmation attacks -----------------------
CONSENT_BODY="Acepto: $HASH"
reg_message "$E2E_DIR/c-early.eml" efirma-moral CONFORMIDAD "$CONSENT_BODY" >/dev/null
refused c-early "$E2E_DIR/c-early.eml" BZ-REG-NOT-CONFIRMED
reg_message "$E2E_DIR/t-wrong.eml" none "CONFIRMACION AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" x >/dev/null
refused t-wrong "$E2E_DIR/t-wrong.eml" BZ-REG-TOKEN-UNKNOWN
tok=$(reg_message "$E2E_DIR/t-ok.eml" none "CONFIRMACION $T1" "confirmo")
e2e_send t-ok --from extrano@otro.test --to "$E2E_MAILBOX" --data "@$E2E_DIR/t-ok.eml" ||
    e2e_fail "token confirmation refused: $(sub_last_reply t-ok)"
e2e_accepted t-ok || e2e_fail "token confirmation not queued"
delivered "$tok" "$E2E_DIR/t-ok.got"
[ "$(e2e_header_value X-Buzon-Status "$E2E_DIR/t-ok.got")" = contact-confirmed ] ||
    e2e_fail "token confirmation: no X-Buzon-Status contact-confirmed"
reg_message "$E2E_DIR/t-replay.eml" none "=?utf-8?q?Confirmaci=C3=B3n?= $T1" x >/dev/null
refused t-replay "$E2E_DIR/t-replay.eml" BZ-REG-TOKEN-USED
e2e_log "ok: address confirmed by token (unsigned, any sender); replay refused"

reg_message "$E2E_DIR/m-unsigned.eml" none CONFIRMACION "Codigo: $CODE" >/dev/null
refused m-unsigned "$E2E_DIR/m-unsigned.eml" BZ-MSG-UNSIGNED
WRONG=$(printf '%06d' $(( (10#$CODE + 1) % 1000000 )))
reg_message "$E2E_DIR/m-wrong.eml" efirma-moral CONFIRMACION "Codigo: $WRONG" >/dev/null
refused m-wrong "$E2E_DIR/m-wrong.eml" BZ-REG-CODE-WRONG
reg_message "$E2E_DIR/m-other.eml" efirma-fisica CONFIRMACION "Codigo: $CODE" >/dev/null
refused m-other "$E2E_DIR/m-other.eml" BZ-REG-NOT-PENDING
tok=$(reg_message "$E2E_DIR/m-ok.eml" efirma-moral CONFIRMACION "Codigo: $CODE")
accepted m-ok "$E2E_DIR/m-ok.eml"
delivered "$tok" "$E2E_DIR/m-ok.got"
[ "$(e2e_header_value X-Buzon-Registration "$E2E_DIR/m-ok.got")" = confirmed ] ||
    e2e_fail "mobile confirmation: registration not confirmed"
# the same message again (an MTA retrying): a repeat, accepted, no change
accepted m-again "$E2E_DIR/m-ok.eml"
e2e_log "ok: mobile confirmed with the code; wrong, foreign and unsigned codes refused"

# --- consent -------------------------------------------------------------------
reg_message "$E2E_DIR/c-hash.eml" efirma-moral CONFORMIDAD \
    "Acepto: $(printf x | sha256sum | cut -d' ' -f1)" >/dev/null
refused c-hash "$E2E_DIR/c-hash.eml" BZ-REG-CONSENT-HASH
reg_message "$E2E_DIR/c-unsigned.eml" none CONFORMIDAD "$CONSENT_BODY" >/dev/null
refused c-unsigned "$E2E_DIR/c-unsigned.eml" BZ-MSG-UNSIGNED
reg_message "$E2E_DIR/c-other.eml" efirma-fisica CONFORMIDAD "$CONSENT_BODY" >/dev/null
refused c-other "$E2E_DIR/c-other.eml" BZ-REG-NOT-CONFIRMED
[ "$(sql "SELECT state FROM registrations WHERE rfc = '$MORAL'")" = confirmed ] ||
    e2e_fail "a refused consent changed the state"
tok=$(reg_message "$E2E_DIR/c-ok.eml" efirma-moral CONFORMIDAD "$CONSENT_BODY")
accepted c-ok "$E2E_DIR/c-ok.eml"
delivered "$tok" "$E2E_DIR/c-ok.got"
[ "$(e2e_header_value X-Buzon-Registration "$E2E_DIR/c-ok.got")" = enabled ] ||
    e2e_fail "consent: mailbox not enabled"
cfolio=$(sub_folio "$E2E_DIR/c-ok.got")
r=$(acuse_rcpts "$cfolio" 2)
[ "$r" = "contacto@empresa.buzon.test uno@empresa.test " ] ||
    e2e_fail "acuse de conformidad recipients: $r"
[ "$(sql "SELECT state || ' ' || consent_sha256 FROM registrations WHERE rfc = '$MORAL'")" = \
    "enabled $HASH" ] || e2e_fail "registration not enabled with the consent hash"
sub_ctl registration show $MORAL --json >"$E2E_DIR/show.json" ||
    e2e_fail "registration show: $(cat "$E2E_DIR/show.json")"
for want in '"rfc": "EBU200101AB8"' '"state": "enabled"' "\"consent_sha256\": \"$HASH\"" \
    '{"address": "uno@empresa.test", "confirmed": true' \
    '"mobile": {"number": "+525512345678", "confirmed": true' '"enabled_at": "2026-06-01T12:00:00Z"'; do
	grep -q -F -- "$want" "$E2E_DIR/show.json" ||
	    e2e_fail "registration show --json lacks $want: $(cat "$E2E_DIR/show.json")"
done
grep -q dos@empresa.test "$E2E_DIR/show.json" &&
    e2e_fail "the unconfirmed address is still listed after consent"
[ "$(sub_ctl registration list --state enabled --json | grep -c '"rfc"')" = 1 ] ||
    e2e_fail "registration list --state enabled"
sub_ctl registration show AAA010101AAA >/dev/null 2>&1
[ $? -eq 1 ] || e2e_fail "registration show of an unknown RFC does not exit 1"
e2e_log "ok: CONFORMIDAD enabled the mailbox; acuse to the confirmed address only; buzonctl registration show/list"

# the unconfirmed address's token is dead now
reg_message "$E2E_DIR/t-late.eml" none "CONFIRMACION $T2" x >/dev/null
refused t-late "$E2E_DIR/t-late.eml" BZ-REG-TOKEN-EXPIRED

# --- now a promocion is filed ------------------------------------------------------
tok=$(reg_message "$E2E_DIR/filing.eml" efirma-moral "promocion" "Promocion de prueba.")
accepted filing "$E2E_DIR/filing.eml"
delivered "$tok" "$E2E_DIR/filing.got"
[ "$(e2e_header_value X-Buzon-Status "$E2E_DIR/filing.got")" = accepted ] ||
    e2e_fail "the promocion after enabling was not filed"
r=$(acuse_rcpts "$(sub_folio "$E2E_DIR/filing.got")" 2)
[ "$r" = "contacto@empresa.buzon.test uno@empresa.test " ] ||
    e2e_fail "acuse of the promocion: recipients $r"
e2e_log "ok: promocion filed once the mailbox is enabled; acuse to the confirmed address too"

# --- ACTUALIZACION: new contact means; the confirmed ones stay in force ----------
reg_message "$E2E_DIR/u-none.eml" efirma-fisica ACTUALIZACION 'Correo: a@persona.test
Celular: +523311112222' >/dev/null
refused u-none "$E2E_DIR/u-none.eml" BZ-REG-MAILBOX-NOT-ENABLED
tok=$(reg_message "$E2E_DIR/upd.eml" efirma-moral ACTUALIZACION 'Correo: tres@empresa.test
Celular: +52 55 8765 4321')
# the Subject word in RFC 2047 form, with its accent
sed -i "s|^Subject: .*|Subject: =?utf-8?q?ACTUALIZACI=C3=93N?= de medios\r|" "$E2E_DIR/upd.eml"
accepted upd "$E2E_DIR/upd.eml"
delivered "$tok" "$E2E_DIR/upd.got"
ufolio=$(sub_folio "$E2E_DIR/upd.got")
r=$(acuse_rcpts "$ufolio" 3)
[ "$r" = "contacto@empresa.buzon.test tres@empresa.test uno@empresa.test " ] ||
    e2e_fail "acuse de actualizacion recipients: $r"
T3=$(reg_token_for tres@empresa.test)
[ ${#T3} -eq 32 ] || e2e_fail "update: token '$T3'"
e2e_wait_until "$E2E_TIMEOUT" test -e "$E2E_DIR/sms/sms.2.in" || e2e_fail "update: no SMS"
[ "$(tail -n 1 "$E2E_DIR/sms/sms.2.args")" = "+525587654321" ] || e2e_fail "update: SMS number"
CODE2=$(sed -n 's/^Codigo: \([0-9]\{6\}\)$/\1/p' "$E2E_DIR/sms/sms.2.in")
# meanwhile the confirmed address is still the one in force
tok=$(reg_message "$E2E_DIR/filing2.eml" efirma-moral "promocion" "Otra promocion.")
accepted filing2 "$E2E_DIR/filing2.eml"
delivered "$tok" "$E2E_DIR/filing2.got"
r=$(acuse_rcpts "$(sub_folio "$E2E_DIR/filing2.got")" 2)
[ "$r" = "contacto@empresa.buzon.test uno@empresa.test " ] ||
    e2e_fail "acuse during the update: recipients $r"
reg_message "$E2E_DIR/u-tok.eml" none "CONFIRMACION $T3" x >/dev/null
accepted u-tok "$E2E_DIR/u-tok.eml"
tok=$(reg_message "$E2E_DIR/u-code.eml" efirma-moral CONFIRMACION "Codigo: $CODE2")
accepted u-code "$E2E_DIR/u-code.eml"
delivered "$tok" "$E2E_DIR/u-code.got"
[ "$(e2e_header_value X-Buzon-Registration "$E2E_DIR/u-code.got")" = enabled ] ||
    e2e_fail "update: not in force after its confirmation"
sub_ctl registration show $MORAL --json >"$E2E_DIR/show2.json"
grep -q -F '{"address": "tres@empresa.test", "confirmed": true' "$E2E_DIR/show2.json" &&
    grep -q -F '"number": "+525587654321", "confirmed": true' "$E2E_DIR/show2.json" &&
    grep -q -F '"state": "enabled"' "$E2E_DIR/show2.json" &&
    grep -q -F "\"consent_sha256\": \"$HASH\"" "$E2E_DIR/show2.json" &&
    ! grep -q uno@empresa.test "$E2E_DIR/show2.json" ||
    e2e_fail "after the update: $(cat "$E2E_DIR/show2.json")"
e2e_log "ok: ACTUALIZACION validated like a REGISTRO; the old means in force until then"

# --- a second REGISTRO while pending; the 72 hours -------------------------------
FIS_BODY='Correo: juan@persona.test
Celular: +52 33 1111 2222'
# the SMS gateway is down for this one: retried like the outbox
touch "$E2E_DIR/sms/fail"
reg_message "$E2E_DIR/f1.eml" efirma-fisica REGISTRO "$FIS_BODY" >/dev/null
accepted f1 "$E2E_DIR/f1.eml"
F1=$(reg_token_for juan@persona.test)
e2e_wait_until "$E2E_TIMEOUT" e2e_milter_log_has 'sms [0-9]+: attempt 1 failed' ||
    e2e_fail "a failed SmsCommand was not logged"
[ -e "$E2E_DIR/sms/sms.3.in" ] && e2e_fail "an SMS went through a failing gateway"
rm -f "$E2E_DIR/sms/fail"
reg_sms_code 3 >/dev/null
[ "$(tail -n 1 "$E2E_DIR/sms/sms.3.args")" = "+523311112222" ] ||
    e2e_fail "the retried SMS: $(cat "$E2E_DIR/sms/sms.3.args")"
e2e_log "ok: SmsCommand failing: logged, retried, sent once it works"
rm -f "$(reg_notice_file juan@persona.test)"
# (other signed text: the same text again is a repeat of the first filing,
# answered with its acuse and changing nothing)
reg_message "$E2E_DIR/f2.eml" efirma-fisica REGISTRO "Segundo registro.
$FIS_BODY" >/dev/null
accepted f2 "$E2E_DIR/f2.eml"
F2=$(reg_token_for juan@persona.test)
[ ${#F1} -eq 32 ] && [ ${#F2} -eq 32 ] && [ "$F1" != "$F2" ] ||
    e2e_fail "second REGISTRO: tokens '$F1' '$F2'"
reg_message "$E2E_DIR/t-replaced.eml" none "CONFIRMACION $F1" x >/dev/null
refused t-replaced "$E2E_DIR/t-replaced.eml" BZ-REG-TOKEN-REPLACED
[ "$(sql "SELECT state FROM registrations WHERE rfc = 'PEGJ800101AB3' ORDER BY id" | paste -s -d ' ')" = \
    "replaced pending" ] || e2e_fail "second REGISTRO: $(sql "SELECT id, state FROM registrations")"

# --- the bounds: RegistrationMaxPerDay 2, RegistrationMaxNoticesPerAddress 2 ---
nreg=$(registrations)
naviso=$(sql "SELECT count(*) FROM outbox WHERE kind = 'aviso'")
nsms=$(sql "SELECT count(*) FROM sms_queue")
reg_message "$E2E_DIR/f3.eml" efirma-fisica REGISTRO 'Tercer registro.
Correo: otra@persona.test
Celular: +52 33 1111 2222' >/dev/null
refused f3 "$E2E_DIR/f3.eml" BZ-REG-RATE-LIMIT
# a third RFC may not make juan@persona.test get a third notice today
reg_message "$E2E_DIR/s1.eml" efirma-sincorreo REGISTRO 'Correo: juan@persona.test
Celular: +52 33 9999 8888' >/dev/null
refused s1 "$E2E_DIR/s1.eml" BZ-REG-ADDRESS-RATE-LIMIT
[ "$(registrations)" = "$nreg" ] || e2e_fail "a refused step left a registration"
[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'aviso'")" = "$naviso" ] ||
    e2e_fail "a refused step queued a validation notice"
[ "$(sql "SELECT count(*) FROM sms_queue")" = "$nsms" ] || e2e_fail "a refused step queued an SMS"
e2e_log "ok: REGISTRO beyond RegistrationMaxPerDay and a notice beyond RegistrationMaxNoticesPerAddress refused; nothing sent"

# the 72 hours run from each hand-off: the worker records the instant the
# MTA took the notice and SmsCommand the SMS (on the registration clock:
# TestClock, pinned at the REGISTRO's instant here)
reg_sms_code 4 >/dev/null
handed() { [ "$(sql "SELECT count(*) FROM registration_addresses a JOIN registrations r ON r.id = a.registration_id WHERE r.rfc = 'PEGJ800101AB3' AND r.state = 'pending' AND a.notice_sent_utc = r.created_utc AND r.mobile_sent_utc = r.created_utc")" = 1 ]; }
e2e_wait_until "$E2E_TIMEOUT" handed ||
    e2e_fail "hand-offs not recorded: $(sql "SELECT a.notice_outbox_id, a.notice_sent_utc, r.mobile_sent_utc, r.created_utc FROM registration_addresses a JOIN registrations r ON r.id = a.registration_id WHERE r.rfc = 'PEGJ800101AB3'")"
[ "$(sub_ctl registration expire --at 2026-06-04T11:59:59Z)" = "0 registration(s) expired" ] ||
    e2e_fail "registration expire before 72 hours expired something"
pid=$(cat "$E2E_DIR/spool/milter.pid")
e2e_conf TestClock 2026-06-04T13:00:01Z
e2e_write_conf
kill -USR1 "$pid"
e2e_wait_until "$E2E_TIMEOUT" e2e_milter_log_has 'registration: 1 expired' ||
    e2e_fail "the daemon did not expire the registration after 72 hours"
reg_message "$E2E_DIR/t-expired.eml" none "CONFIRMACION $F2" x >/dev/null
refused t-expired "$E2E_DIR/t-expired.eml" BZ-REG-TOKEN-EXPIRED
sub_ctl registration show PEGJ800101AB3 --json | grep -q '"state": "expired"' ||
    e2e_fail "the registration is not expired: $(sub_ctl registration show PEGJ800101AB3)"
e2e_log "ok: second REGISTRO replaced the pending one; token refused after 72 h"

# --- secrets never logged; the record intact ------------------------------------------
for s in "$T1" "$T2" "$T3" "$F1" "$F2" "$CODE" "$CODE2"; do
	if grep -q -F -- "$s" "$E2E_DIR/milter.log" "$E2E_DIR/maillog" 2>/dev/null; then
		e2e_fail "a token or code is in a log: $(grep -F -- "$s" "$E2E_DIR/milter.log" "$E2E_DIR/maillog" | head -n 2)"
	fi
done
[ "$(sql "SELECT count(*) FROM registration_addresses WHERE token_sha256 IN ('$T1', '$T2')")" = 0 ] ||
    e2e_fail "a token is stored in clear"
[ "$(sql "SELECT count(*) FROM sms_queue WHERE status = 'sent' AND length(message) > 0")" = 0 ] ||
    e2e_fail "a sent SMS kept its code"
# notices handed to the MTA lose their bytes (the worker's next pass)
wiped() { [ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'aviso' AND status = 'sent' AND length(message) > 0")" = 0 ]; }
e2e_wait_until "$E2E_TIMEOUT" wiped || e2e_fail "a sent validation notice kept its token"
[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'aviso' AND status = 'sent'")" -ge 5 ] ||
    e2e_fail "fewer notices sent than expected"
e2e_log "ok: no token or code in the logs or stored in clear"
sub_ctl store verify-chain >"$E2E_DIR/chain.out" 2>&1 ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"
grep -q ", 0 altered" "$E2E_DIR/chain.out" || e2e_fail "verify-chain: $(cat "$E2E_DIR/chain.out")"
sql "UPDATE registrations SET state = 'enabled' WHERE rfc = 'PEGJ800101AB3'"
sub_ctl store verify-chain >"$E2E_DIR/chain2.out" 2>&1 &&
    e2e_fail "verify-chain missed a registration changed behind the log"
grep -q "registration .*(PEGJ800101AB3) ALTERED" "$E2E_DIR/chain2.out" ||
    e2e_fail "verify-chain: $(cat "$E2E_DIR/chain2.out")"
e2e_log "ok: verify-chain intact, then names the registration changed behind the log"
e2e_finish
