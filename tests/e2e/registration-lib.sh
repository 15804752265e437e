# registration-lib.sh - the registration steps of issue 9 for the e2e
# tests and contrib/try-it
#
# Sourced AFTER tests/e2e/lib.sh, e2e_init and tests/e2e/submission-lib.sh:
#
#	sub_pki_conf
#	reg_conf			# SmsCommand capture, ConsentText
#	e2e_start
#	tok=$(reg_message FILE LEAF SUBJECT BODY)   # BODY signed by LEAF
#	reg_token_for ADDRESS		# wait for its validation notice: token
#	reg_sms_code N			# the code of the N-th SMS (wait for it)
#	reg_walk LEAF ADDRESS MOBILE	# REGISTRO, CONFIRMACION x2, CONFORMIDAD
#
# SMS go to tests/e2e/sms-capture.sh, which keeps each as
# $E2E_DIR/sms/sms.N.in (the text) and sms.N.args (its arguments).

# reg_conf - SmsCommand (the capture script) and ConsentText; sets REG_HASH
reg_conf()
{
	mkdir -p "$E2E_DIR/sms"
	chown postfix "$E2E_DIR/sms"
	REG_SMS=$(e2e_install_file "$top_srcdir/tests/e2e/sms-capture.sh")
	chmod 0755 "$REG_SMS"
	REG_CONSENT=$(e2e_install_file "$top_srcdir/contrib/conformidad.txt")
	REG_HASH=$(sha256sum "$REG_CONSENT" | cut -d' ' -f1)
	e2e_conf SmsCommand "$REG_SMS $E2E_DIR/sms --gateway=pruebas"
	e2e_conf ConsentText "$REG_CONSENT"
}

# reg_message FILE LEAF SUBJECT BODY - BODY signed by LEAF ("none":
# unsigned), with SUBJECT; prints the message's token
reg_message()
{
	local tok
	tok=$(SUB_BODY=$4 sub_message "$1" "$2") || exit 99
	sed -i "s|^Subject: .*|Subject: $3\r|" "$1"
	echo "$tok"
}

# reg_notice_file ADDRESS - the sink file with the validation notice to ADDRESS
reg_notice_file()
{
	grep -l -F "Subject: Validacion de medio de contacto" "$E2E_DIR"/sink/* 2>/dev/null |
	    xargs -r grep -l -F "To: <$1>" | head -n 1 | grep .
}

# reg_text_of FILE - the decoded text/plain part of a signed notice or acuse
reg_text_of()
{
	tr -d '\r' <"$1" | awk '
		/^Content-Type: text\/plain/ { intext = 1; next }
		intext && !body && $0 == "" { body = 1; next }
		body && /^--/ { exit }
		body { print }' | base64 -d | tr -d '\r'
}

# reg_token_for ADDRESS - wait for its validation notice, print its token
reg_token_for()
{
	local f
	e2e_wait_until "$E2E_TIMEOUT" reg_notice_file "$1" >/dev/null ||
	    e2e_fail "no validation notice reached $1"
	f=$(reg_notice_file "$1")
	reg_text_of "$f" | sed -n 's/^Token: //p'
}

# reg_sms_code N - wait for the N-th SMS, print its code
reg_sms_code()
{
	e2e_wait_until "$E2E_TIMEOUT" test -e "$E2E_DIR/sms/sms.$1.in" ||
	    e2e_fail "SMS $1 never sent"
	sed -n 's/^Codigo: \([0-9]\{6\}\)$/\1/p' "$E2E_DIR/sms/sms.$1.in"
}

# reg_send ID FILE - send to the mailbox; fail unless Postfix queued it
reg_send()
{
	e2e_send "$1" --to "$E2E_MAILBOX" --data "@$2" ||
	    e2e_fail "$1: refused: $(grep -E '^<[-*~]+ +[0-9]{3}' "$E2E_DIR/$1.smtp" | tail -n 3)"
	e2e_accepted "$1" || e2e_fail "$1: not queued"
}

# reg_walk LEAF ADDRESS MOBILE - enable LEAF's mailbox with one address:
# REGISTRO, CONFIRMACION <token>, CONFIRMACION with the SMS code,
# CONFORMIDAD; prints each step as it goes
reg_walk()
{
	local leaf=$1 address=$2 mobile=$3 token code n
	n=$(( $(ls "$E2E_DIR/sms" 2>/dev/null | grep -c '\.in$') + 1 ))
	echo "   REGISTRO      Correo: $address, Celular: $mobile (signed: $leaf)"
	reg_message "$E2E_DIR/walk-reg.eml" "$leaf" REGISTRO "Correo: $address
Celular: $mobile" >/dev/null
	reg_send walk-reg "$E2E_DIR/walk-reg.eml"
	token=$(reg_token_for "$address")
	[ ${#token} -eq 32 ] || e2e_fail "no token for $address: $token"
	echo "   validation notice to $address: Token: $token"
	code=$(reg_sms_code "$n")
	echo "   SMS to $mobile through SmsCommand: Codigo: $code"
	reg_message "$E2E_DIR/walk-tok.eml" none "CONFIRMACION $token" "confirmo" >/dev/null
	reg_send walk-tok "$E2E_DIR/walk-tok.eml"
	echo "   CONFIRMACION $token   (unsigned) -> address confirmed"
	reg_message "$E2E_DIR/walk-code.eml" "$leaf" CONFIRMACION "Codigo: $code" >/dev/null
	reg_send walk-code "$E2E_DIR/walk-code.eml"
	echo "   CONFIRMACION  Codigo: $code (signed) -> mobile confirmed"
	reg_message "$E2E_DIR/walk-conf.eml" "$leaf" CONFORMIDAD "Acepto: $REG_HASH" >/dev/null
	reg_send walk-conf "$E2E_DIR/walk-conf.eml"
	echo "   CONFORMIDAD   Acepto: $REG_HASH (signed) -> mailbox enabled"
}
